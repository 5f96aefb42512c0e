// A problem of a project file, at its line and column, and the error that lists them: found
// when the file is read (validate.ts) or when it is planned against the server (plan.ts).
import { CliError } from '../errors.js';

export type Path = Array<string | number>;

export interface Problem {
  path: Path;
  message: string;
  line: number;
  col: number;
}

export const sortProblems = (list: Problem[]) => [...list].sort((a, b) => a.line - b.line || a.col - b.col);

/** The file's problems in file order: the first is the error, the others are counted. */
export class SpecError extends CliError {
  readonly problems: Problem[];

  constructor(
    readonly file: string,
    problems: Problem[],
  ) {
    const sorted = sortProblems(problems);
    const [first] = sorted;
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})` : '';
    super(`${file}:${first.line}:${first.col}: ${first.message}${more}; nothing was applied`);
    this.problems = sorted;
  }
}
