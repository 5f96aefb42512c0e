// Colour, or none. NO_COLOR (https://no-color.org), TERM=dumb, a monochrome terminal or
// FORCE_COLOR=0 turn the colours off (main.tsx decides, see wantsColor); bold, dim, inverse and
// underline stay where the terminal still draws them. The focused pane (a cyan border), the
// selected dialog, message or choice (inverse) and the cursor then keep marks of their own shape:
// a bold border, ▸ and ▏, which a terminal with no styles at all shows too.
//
// Components take Box and Text from here rather than from Ink: these drop the colours when there
// are none, so no component has to remember to.
import { Box as InkBox, Text as InkText } from 'ink';
import { type ComponentProps, createContext, useContext } from 'react';

export interface Theme {
  /** Colours on; off, the focus, the selection and the cursor are marked by shape. */
  color: boolean;
}

// Colour is the default a test or a caller without a terminal gets: no provider is needed for it.
const ThemeContext = createContext<Theme>({ color: true });
export const ThemeProvider = ThemeContext.Provider;
export const useTheme = (): Theme => useContext(ThemeContext);

/** Marks the selected row of a list, or the selected message's rows, without colour (or inverse, which some terminals lack). */
export const SELECTED = '▸';
/** Marks the cursor without colour: before the character it is on. */
export const CURSOR = '▏';

export function Text({ color, backgroundColor, ...props }: ComponentProps<typeof InkText>) {
  const { color: on } = useTheme();
  return <InkText {...props} color={on ? color : undefined} backgroundColor={on ? backgroundColor : undefined} />;
}

export function Box({ borderColor, ...props }: ComponentProps<typeof InkBox>) {
  const { color: on } = useTheme();
  return <InkBox {...props} borderColor={on ? borderColor : undefined} />;
}

/** A pane's border: cyan when it has the keys, or, without colour, drawn bold. */
export function usePaneBorder(focused: boolean): { borderStyle: 'single' | 'bold'; borderColor: string } {
  const { color } = useTheme();
  return { borderStyle: focused && !color ? 'bold' : 'single', borderColor: focused ? 'cyan' : 'gray' };
}

/** The cursor at the end of a one-line field: an inverse cell, or ▏ without colour. */
export function FieldCursor() {
  const { color } = useTheme();
  return color ? <InkText inverse> </InkText> : <InkText>{CURSOR}</InkText>;
}
