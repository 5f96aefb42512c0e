import { Command } from 'commander';
import type { DialogDetail, Message, SiteCardField } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { fields, result } from '../../io.js';
import { parseId } from '../../options.js';
import { messageLines, type ProjectClock, projectClock, withAbsoluteUrls } from '../../present.js';

interface Opts {
  all?: boolean;
}

/**
 * Every time is on the project's clock; the header's name its zone when this terminal is in
 * another, and the transcript's, under them, are in the same zone.
 */
function render(d: DialogDetail, earlier: number, clock: ProjectClock): string {
  const { dialog, visitor } = d;
  const card = visitor.card;
  // A value the site gave (identify) is its word, unverified: marked, as the TUI's card marks it.
  // Older servers do not say which values the site gave: nothing is marked.
  const fromSite = (field: SiteCardField, value: string | null) =>
    value !== null && card.fromSite?.includes(field) ? `${value} (from site)` : value;
  const utm = Object.entries(visitor.utm).map(([k, v]) => `${k}=${v}`).join(', ');
  // As the TUI's client card: the page they write from, and, when elsewhere, the one their visit
  // began on (what brought them: the referrer and UTM tags below). Older servers say only that.
  const here = visitor.currentPage ?? visitor.page;
  const page = (p: { url: string | null; title: string | null }) => [p.url, p.title ? `"${p.title}"` : null].filter(Boolean).join(' ') || null;
  const landed = visitor.page.url !== null && visitor.page.url !== here.url;
  const header = fields([
    ['dialog', `${dialog.id} · ${dialog.status}${dialog.assignee ? ` · assigned to ${dialog.assignee.name}` : ' · unassigned'}`],
    ['visitor', visitor.name],
    ['real name', fromSite('realName', card.realName)],
    ['phone', fromSite('phone', card.phone)],
    ['email', fromSite('email', card.email)],
    ['notes', card.notes],
    ['page', page(here)],
    ...(landed ? [['landed', page(visitor.page)] as [string, string | null]] : []),
    ['referrer', visitor.page.referrer],
    ['utm', utm || null],
    ['group', dialog.group],
    ['lead class', dialog.leadClass],
    ['started', clock.zoned(dialog.createdAt)],
    ['first response', dialog.firstResponseAt ? clock.zoned(dialog.firstResponseAt) : null],
    ['closed', dialog.closedAt ? clock.zoned(dialog.closedAt) : null],
  ]);
  const transcript = d.messages.length
    ? d.messages.map((m) => messageLines(m, visitor.name, clock)).join('\n')
    : 'No messages.';
  const more = earlier > 0 ? [`(${earlier} earlier message${earlier === 1 ? '' : 's'}: --all shows them)`] : [];
  return [header, '', ...more, transcript].join('\n');
}

export async function run(id: number, opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const detail = await client.getDialog(project.id, id);
  let messages: Message[] = detail.messages;
  if (opts.all) {
    // The detail holds the latest page; walk back to seq 1.
    while (messages.length && messages[0].seq > 1) {
      const older = await client.listMessages(project.id, id, { beforeSeq: messages[0].seq, limit: 500 });
      if (older.length === 0) break;
      messages = [...older, ...messages];
    }
  }
  const full = withAbsoluteUrls({ ...detail, messages }, client.url);
  const earlier = messages.length ? messages[0].seq - 1 : 0;
  result(ctx.io, full, () => render(full, earlier, projectClock(project.timezone)));
  return 0;
}

export default function dialogsShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('show a dialog: its visitor (card, current and landing page, UTM tags) and messages with time, author and delivery')
    .argument('<id>', 'dialog id (see "parley dialogs list")', parseId)
    .option('--all', 'every message, not only the latest 100')
    .addHelpText('after', '\nExamples:\n  $ parley dialogs show 12\n  $ parley dialogs show 12 --all --json | jq -r \'.messages[].body\'\n')
    .action((id: number, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(id, opts, ctx)));
}
