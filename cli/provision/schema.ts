// The format of `parley apply -f parley.yaml` and `parley export`, as one TypeBox schema: it
// checks the file's structure (types, required keys, unknown keys, enums) and is also the JSON
// Schema shipped for editors (schema/parley.schema.json, kept equal to this by a test).
// Formats that need more than a pattern (real dates, known time zones, overlapping hours,
// duplicates, references between sections) are checked in validate.ts, with positions.
import { type Static, Type } from 'typebox';
import { MAX_EMAIL, MAX_GROUP_NAME, MAX_NAME, WIDGET_GREETING_MAX } from '../../core/protocol/constants.js';
import { MAX_TEMPLATE_NAME, MAX_TEMPLATE_TEXT } from '../../core/templates.js';

// The server's limits (core/protocol), so that an editor checking a file against the schema
// flags what apply and the server refuse.
const Email = Type.String({ minLength: 3, maxLength: MAX_EMAIL, description: 'login email' });
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME });
/**
 * Names the server measures as it stores them, trimmed and with runs of spaces squeezed to one
 * (core/protocol/constants.ts normalizeGroupName), which a JSON Schema cannot do. Their limit here
 * counts the name as written, for editors: never short of the server's, so an editor never
 * passes what the server refuses. Apply measures them as the server does instead (validate.ts),
 * so that "Night  shift" is taken whenever "Night shift" fits.
 */
const GroupName = Type.String({
  minLength: 1,
  maxLength: MAX_GROUP_NAME,
  description: `a group name (no "="), at most ${MAX_GROUP_NAME} characters with runs of spaces counted as one (an editor counts each space)`,
});
const ClassName = Type.String({
  minLength: 1,
  maxLength: MAX_NAME,
  description: `a lead class, at most ${MAX_NAME} characters with runs of spaces counted as one (an editor counts each space)`,
});
/** The schemas above, whose length apply checks itself (validate.ts). */
export const MEASURED_SQUEEZED: ReadonlySet<unknown> = new Set([GroupName, ClassName]);
/** "09:00-13:00"; 24:00 ends a day. */
const Hours = Type.String({ pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$', description: 'HH:MM-HH:MM in the project timezone' });

export const SpecSchema = Type.Object(
  {
    version: Type.Optional(Type.Literal(1, { description: 'format version' })),
    // Both may be left out of a file applied with --project; without it, validate.ts requires them.
    project: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME, description: 'the project; with --project, a different name renames it' })),
          timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Moscow' })),
          language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ru')], { description: 'visitor names and widget texts' })),
          allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50, description: 'sites that may embed the widget' })),
          widget: Type.Optional(
            Type.Object(
              {
                color: Type.Optional(
                  Type.Union([Type.Null(), Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'an accent colour as #rrggbb' })], {
                    description: 'an accent colour as #rrggbb; null for the default',
                  }),
                ),
                greeting: Type.Optional(Type.String({ maxLength: WIDGET_GREETING_MAX, description: 'first line a visitor sees; "" for none' })),
              },
              { additionalProperties: false },
            ),
          ),
          assignment: Type.Optional(Type.Union([Type.Literal('manual'), Type.Literal('round-robin')])),
          leadClasses: Type.Optional(Type.Array(ClassName, { description: 'the classes operators pick for a dialog' })),
          routes: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  pattern: Type.String({ minLength: 1, maxLength: 500, description: 'page URL pattern, * matches anything' }),
                  group: GroupName,
                },
                { additionalProperties: false },
              ),
              { description: 'new dialogs from matching pages go to the group; the first match wins' },
            ),
          ),
        },
        { additionalProperties: false, description: 'required unless the file is applied with --project' },
      ),
    ),
    team: Type.Optional(
      Type.Array(
        Type.Object(
          {
            email: Email,
            firstName: Name,
            lastName: Type.String({ minLength: 1, maxLength: 100, description: '"-" when not given' }),
            operator: Type.Optional(Type.Boolean({ description: 'answers chats (default false)' })),
            access: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('settings'), Type.Literal('none')])),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    groups: Type.Optional(
      Type.Array(
        Type.Object({ name: GroupName, members: Type.Optional(Type.Array(Email)) }, { additionalProperties: false }),
      ),
    ),
    schedules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            operators: Type.Array(Email, { minItems: 1 }),
            week: Type.Record(Type.String(), Type.Array(Hours), {
              description: 'weekdays (mon-fri, sat,sun, all) to intervals',
            }),
            exceptions: Type.Optional(
              Type.Record(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Union([Type.Literal('off'), Type.Array(Hours)]), {
                description: 'a date (YYYY-MM-DD) to "off" or to its special hours',
                // Only dates: an editor flags "2026-1-5" as apply does.
                additionalProperties: false,
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    templates: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_TEMPLATE_NAME }), text: Type.String({ minLength: 1, maxLength: MAX_TEMPLATE_TEXT }) }, { additionalProperties: false })),
    ),
  },
  // No $id: every server serves the schema at its own /parley.schema.json, the address editors use.
  { additionalProperties: false, title: 'Parley project' },
);

export type Spec = Static<typeof SpecSchema>;
export type TeamEntry = NonNullable<Spec['team']>[number];
export type ScheduleEntry = NonNullable<Spec['schedules']>[number];

/** The JSON Schema document for editors. */
export function jsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(SpecSchema)) };
}
