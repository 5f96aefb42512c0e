// The widget's own styles. They live in its shadow root: the site's CSS cannot reach in and
// these rules cannot leak out. `all: initial` on the host also stops inherited fonts/colours;
// it is !important because the site's rules for the host element itself would otherwise win
// (`*{display:none}`, `body > *{padding:10px}`).
// Text is at least 4.5:1 against its background (on the site's accent colour, black or white
// text, whichever reads better: view.ts), and the close buttons (× of the panel and of a
// failed message) are targets of 24 px or more.
// On a short screen, or in a panel made short by a large offset (a container query: the panel's
// size never depends on what it holds), the greeting and the away note scroll within a few lines,
// so the messages keep most of the panel; on a small screen (a phone, either way up, or a page
// zoomed far in) the open panel takes the whole screen, without the tab under it (its × closes
// it), as a modal dialog (view.ts). The scrolling parts keep a scroll that reaches their end
// from scrolling the site behind them.
// The text box's placeholder keeps to its one line, cut where it is wider (Chromium draws no
// ellipsis in a textarea's placeholder): wrapped, it made the empty box two lines tall.
// The SMALL screens are those where an operator reply does not open the panel by itself (view.ts).
// Colours are variables: `.dark` (the visitor's system asks for it, or the site: view.ts) swaps
// them, each text at least 4.5:1 on its background there too; the project's accent stays. The
// site moves the tab by --px/--py (its offsets, api.ts) and `.left`; phones keep 8 px at the sides.
export const SMALL = '(max-width:480px),(max-height:500px)';
/** A short panel keeps the room for the messages. */
const SHORT = 'header{padding:6px 12px}.greeting,.away{max-height:3.4em;overflow-y:auto;padding:4px 12px;font-size:12px}form{padding:4px 8px}.me{display:none}';

export const STYLE = `
:host{all:initial!important}
*{box-sizing:border-box}
.root{--accent:#2563eb;--on-accent:#fff;--fg:#1f2328;--bg:#fff;--sf:#f6f8fa;--ln:#eaeef2;--bd:#d0d7de;--mu:#57606a;--lk:#1d4ed8;--me:#dbeafe;--sn:#eaf2fe;--bt:#eef2f7;--er:#b91c1c;--eb:#fef2f2;--el:#fecaca;--wb:#fef3c7;position:fixed;right:var(--px,20px);bottom:var(--py,20px);z-index:2147483000;pointer-events:none;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
.dark{--fg:#e6edf3;--bg:#161b22;--sf:#0d1117;--ln:#21262d;--bd:#3d444d;--mu:#9da5b0;--lk:#79c0ff;--me:#1d3557;--sn:#1a2a40;--bt:#262c36;--er:#ff8e86;--eb:#2d1416;--el:#6e2a2a;--wb:#3b2e0a;color-scheme:dark}
.left{right:auto;left:var(--px,20px)}
.left .launcher{margin-inline:0 auto}
.left .preview{margin-inline:0 auto}
[hidden]{display:none!important}
button{font:inherit;cursor:pointer}
.launcher,.panel,.preview{pointer-events:auto}
svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;vertical-align:-4px}
.launcher svg{margin-inline-end:8px}
.launcher{display:block;margin-inline-start:auto;border:0;border-radius:24px;padding:12px 20px;background:var(--accent);color:var(--on-accent);box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher:hover{filter:brightness(.9)}
.badge{display:inline-block;min-width:20px;margin-inline-start:8px;padding:0 6px;border-radius:10px;background:#b91c1c;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
.preview{display:flex;align-items:center;max-width:300px;margin:0 0 8px auto;border-radius:12px;background:var(--bg);box-shadow:0 4px 14px rgba(0,0,0,.25)}
.preview button{border:0;background:none;color:inherit}
.snippet{flex:1;min-width:0;padding:10px 4px 10px 14px;text-align:start;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.preview .hide{min-width:32px;min-height:32px;font-size:18px;color:var(--mu)}
.new{display:flex;align-items:center;gap:8px;margin:10px 0;color:var(--er);font-size:12px;font-weight:600}
.new::before,.new::after{content:"";flex:1;border-top:1px solid var(--el)}
.panel{display:flex;flex-direction:column;width:360px;height:520px;max-height:calc(100vh - 80px - var(--py,20px));margin-bottom:12px;background:var(--bg);border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;outline:0;container-type:size}
.dark .panel,.dark .preview{box-shadow:0 0 0 1px var(--bd),0 8px 30px rgba(0,0,0,.5)}
header{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:var(--accent);color:var(--on-accent);font-weight:600}
header button{border:0;background:none;color:inherit;font-size:20px;line-height:1;min-width:32px;min-height:32px;margin:-6px -8px}
.greeting{padding:10px 16px;border-bottom:1px solid var(--ln);white-space:pre-wrap;overflow-wrap:anywhere}
.messages,.greeting,.away{overscroll-behavior:contain}
.status{padding:4px 16px;background:var(--wb);font-size:12px}
.messages{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;background:var(--sf)}
.msg{max-width:80%;margin:6px 0;padding:8px 10px;border-radius:10px;background:var(--bg);box-shadow:0 1px 2px rgba(0,0,0,.08)}
.msg.visitor{margin-inline-start:auto;background:var(--me)}
.cont{margin-top:2px}
.cont .who,.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.below{position:relative;height:0}
.pill{position:absolute;bottom:8px;left:50%;transform:translateX(-50%);border:0;border-radius:14px;padding:4px 12px;background:var(--accent);color:var(--on-accent);font-size:12px;white-space:nowrap;box-shadow:0 2px 6px rgba(0,0,0,.25)}
.msg.sending{background:var(--sn)}
.msg.failed{outline:1px solid var(--er)}
.msg.failed:not(.final){cursor:pointer}
.final .meta{color:var(--er)}
.retry{display:block;width:100%;border:0;padding:0;background:none;color:var(--er);font-size:11px;text-align:end}
progress{display:block;width:100%;height:6px;margin-top:6px;accent-color:var(--accent)}
.cancel{display:block;min-height:24px;margin-inline-start:auto;border:0;padding:0 2px;background:none;color:var(--lk);font-size:12px;text-decoration:underline}
.discard{float:inline-end;min-width:24px;min-height:24px;margin-block-start:-6px;margin-inline-end:-8px;border:0;background:none;color:var(--mu);font-size:16px;line-height:1}
.away{padding:8px 16px;background:var(--sf);border-bottom:1px solid var(--ln);font-size:12px;color:var(--mu)}
.notice{padding:6px 12px;background:var(--eb);color:var(--er);font-size:12px;border-top:1px solid var(--el)}
.who{display:flex;align-items:center;gap:6px;margin-bottom:4px;font-size:12px;font-weight:600;color:var(--mu)}
.avatar{width:22px;height:22px;border-radius:50%;object-fit:cover;background:#475569;display:inline-flex;align-items:center;justify-content:center;color:#fff;font-size:11px}
.body{white-space:pre-wrap;overflow-wrap:anywhere}
.body a,.greeting a{color:var(--lk)}
.files img{display:block;max-width:100%;max-height:200px;margin-top:6px;border-radius:6px}
.files a{display:block;margin-top:4px;color:var(--lk);overflow-wrap:anywhere}
.file{display:flex;gap:4px;margin-top:4px}
.file a{margin:0;min-width:0}
.file svg{flex:none}
.body svg{margin-inline-end:4px}
.meta{margin-top:2px;font-size:11px;color:var(--mu);text-align:end}
.meta span{margin-inline-start:6px}
.typing{padding:2px 16px;font-size:12px;color:var(--mu);font-style:italic}
.emoji{display:grid;grid-template-columns:repeat(8,1fr);gap:2px;padding:6px;border-top:1px solid var(--bd)}
.emoji button{border:0;background:none;font-size:20px;padding:2px;border-radius:4px}
.emoji button:hover{background:var(--bt)}
form{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid var(--bd)}
textarea{flex:1;resize:none;max-height:120px;border:1px solid var(--bd);border-radius:8px;padding:8px;font:inherit;color:inherit;background:var(--bg)}
::placeholder{color:var(--mu);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
form button{border:0;border-radius:8px;padding:8px 10px;background:var(--bt);color:inherit}
form .send{background:var(--accent);color:var(--on-accent)}
.me{padding:4px 12px 8px;font-size:11px;color:var(--mu)}
@media (max-height:600px){.root{bottom:var(--py,8px)}.panel{max-height:calc(100vh - 60px - var(--py,8px));max-height:calc(100dvh - 60px - var(--py,8px));margin-bottom:8px}${SHORT}}
@container (max-height:440px){${SHORT}}
@media (max-width:480px){.root{right:8px;bottom:var(--py,8px);left:8px}}
@media ${SMALL}{.panel{position:fixed;inset:0;width:auto;height:100vh;height:100dvh;max-height:none;margin:0;border-radius:0}.open .launcher{display:none}}
@media (pointer:coarse){textarea{font-size:16px}}
`;
