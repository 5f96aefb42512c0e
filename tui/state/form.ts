// A small form of one-line fields: the client card (real name, phone, email, notes) and the
// name of a new template, the path of a file to attach. ↑/↓ or Tab move between fields, typing
// appends, Backspace erases the last character (a whole grapheme: 😀 or é, never half of one).
// Ctrl+U erases the field, as it erases the composer's text; Ctrl+Y puts it back while nothing
// else was written since.
import { withoutLastGrapheme } from '../../core/text-layout.js';

export interface FormField {
  key: string;
  label: string;
  value: string;
  /** The value the field opened with (an edit form): only fields changed from it are saved. */
  initial?: string;
}

export type FormKind = 'card' | 'saveTemplate' | 'attach';

export interface FormState {
  kind: FormKind | null;
  fields: FormField[];
  at: number;
  /** Saving: keys are ignored until the server answers. */
  busy: boolean;
  error: string | null;
  /** The dialog the form acts on (the client card's), named in its title. */
  about: string | null;
  /** The value Ctrl+U erased and its field, for Ctrl+Y; null once something else is written. */
  erased: { at: number; value: string } | null;
}

export type FormAction =
  | { type: 'open'; kind: FormKind; fields: FormField[]; about?: string | null }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  /** Erases the whole field (Ctrl+U); `restore` (Ctrl+Y) puts it back. */
  | { type: 'eraseAll' }
  | { type: 'restore' }
  | { type: 'move'; by: number }
  | { type: 'busy'; busy: boolean; error?: string | null }
  | { type: 'close' };

export const emptyForm: FormState = { kind: null, fields: [], at: 0, busy: false, error: null, about: null, erased: null };

function setValue(state: FormState, value: string): FormState {
  const fields = state.fields.map((f, i) => (i === state.at ? { ...f, value } : f));
  return { ...state, fields, error: null, erased: null };
}

export function reduceForm(state: FormState, action: FormAction): FormState {
  const field = state.fields[state.at];
  switch (action.type) {
    case 'open':
      return { ...emptyForm, kind: action.kind, fields: action.fields, about: action.about ?? null };
    case 'type': {
      // One-line fields: a pasted line break becomes a space.
      const text = action.text.replace(/\r\n?|\n|\t/g, ' ');
      return field && text ? setValue(state, field.value + text) : state;
    }
    case 'erase':
      return field?.value ? setValue(state, withoutLastGrapheme(field.value)) : state;
    case 'eraseAll':
      return field?.value ? { ...setValue(state, ''), erased: { at: state.at, value: field.value } } : state;
    case 'restore':
      return field && state.erased?.at === state.at ? setValue(state, field.value + state.erased.value) : state;
    case 'move': {
      const at = (state.at + action.by + state.fields.length) % Math.max(1, state.fields.length);
      return at === state.at ? state : { ...state, at };
    }
    case 'busy':
      return { ...state, busy: action.busy, error: action.error ?? null };
    case 'close':
      return emptyForm;
  }
}

/** The form's values by key, trimmed; an empty field is null (it clears the value). */
export function formValues(state: FormState): Record<string, string | null> {
  return Object.fromEntries(state.fields.map((f) => [f.key, f.value.trim() || null]));
}

/**
 * The fields changed since the form opened, as formValues gives them: what a save sends, so a
 * colleague's change to another field meanwhile is not overwritten with what this form showed.
 */
export function changedValues(state: FormState): Record<string, string | null> {
  const values = formValues(state);
  return Object.fromEntries(
    state.fields.filter((f) => f.initial === undefined || (f.initial.trim() || null) !== values[f.key]).map((f) => [f.key, values[f.key]]),
  );
}
