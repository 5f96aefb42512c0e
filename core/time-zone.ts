/** The time zone of the computer this runs on (the terminal's, for the CLI and the TUI). */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
