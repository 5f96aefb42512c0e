// The widget's own styles. They live in its shadow root: the site's CSS cannot reach in and
// these rules cannot leak out. `all: initial` on the host also stops inherited fonts/colours;
// it is !important because the site's rules for the host element itself would otherwise win
// (`*{display:none}`, `body > *{padding:10px}`).
// Text is at least 4.5:1 against its background (on the site's accent colour, black or white
// text, whichever reads better: view.ts), and the close buttons (× of the panel and of a
// failed message) are targets of 24 px or more.
// On a short screen the greeting and the away note scroll within a few lines, so the messages
// keep most of the panel; on a small one (a phone, either way up, or a page zoomed far in) the
// open panel takes the whole screen, without the tab under it (its × closes it). The scrolling
// parts keep a scroll that reaches their end from scrolling the site behind them.
// The SMALL screens are those where an operator reply does not open the panel by itself (view.ts).
export const SMALL = '(max-width:480px),(max-height:500px)';

export const STYLE = `
:host{all:initial!important}
*{box-sizing:border-box}
.root{--accent:#2563eb;--on-accent:#fff;position:fixed;right:20px;bottom:20px;z-index:2147483000;pointer-events:none;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
[hidden]{display:none!important}
button{font:inherit;cursor:pointer}
.launcher,.panel,.preview{pointer-events:auto}
svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;vertical-align:-4px}
.launcher svg{margin-inline-end:8px}
.launcher{display:block;margin-inline-start:auto;border:0;border-radius:24px;padding:12px 20px;background:var(--accent);color:var(--on-accent);box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher:hover{filter:brightness(.9)}
.badge{display:inline-block;min-width:20px;margin-inline-start:8px;padding:0 6px;border-radius:10px;background:#b91c1c;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
.preview{display:flex;align-items:center;max-width:300px;margin:0 0 8px auto;border-radius:12px;background:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.preview button{border:0;background:none;color:inherit}
.snippet{flex:1;min-width:0;padding:10px 4px 10px 14px;text-align:start;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.preview .hide{min-width:32px;min-height:32px;font-size:18px;color:#57606a}
.new{display:flex;align-items:center;gap:8px;margin:10px 0;color:#b91c1c;font-size:12px;font-weight:600}
.new::before,.new::after{content:"";flex:1;border-top:1px solid #fca5a5}
.panel{display:flex;flex-direction:column;width:360px;height:520px;max-height:calc(100vh - 100px);margin-bottom:12px;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}
header{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:var(--accent);color:var(--on-accent);font-weight:600}
header button{border:0;background:none;color:inherit;font-size:20px;line-height:1;min-width:32px;min-height:32px;margin:-6px -8px}
.greeting{padding:10px 16px;border-bottom:1px solid #eaeef2;background:#fff;white-space:pre-wrap;overflow-wrap:anywhere}
.messages,.greeting,.away{overscroll-behavior:contain}
.status{padding:4px 16px;background:#fef3c7;font-size:12px}
.messages{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;background:#f6f8fa}
.msg{max-width:80%;margin:6px 0;padding:8px 10px;border-radius:10px;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.msg.visitor{margin-inline-start:auto;background:#dbeafe}
.cont{margin-top:2px}
.cont .who,.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.below{position:relative;height:0}
.pill{position:absolute;bottom:8px;left:50%;transform:translateX(-50%);border:0;border-radius:14px;padding:4px 12px;background:var(--accent);color:var(--on-accent);font-size:12px;white-space:nowrap;box-shadow:0 2px 6px rgba(0,0,0,.25)}
.msg.sending{background:#eaf2fe}
.msg.failed{outline:1px solid #dc2626}
.msg.failed:not(.final){cursor:pointer}
.final .meta{color:#b91c1c}
.retry{display:block;width:100%;border:0;padding:0;background:none;color:#b91c1c;font-size:11px;text-align:end}
progress{display:block;width:100%;height:6px;margin-top:6px;accent-color:var(--accent)}
.cancel{display:block;min-height:24px;margin-inline-start:auto;border:0;padding:0 2px;background:none;color:#1d4ed8;font-size:12px;text-decoration:underline}
.discard{float:inline-end;min-width:24px;min-height:24px;margin-block-start:-6px;margin-inline-end:-8px;border:0;background:none;color:#57606a;font-size:16px;line-height:1}
.away{padding:8px 16px;background:#f6f8fa;border-bottom:1px solid #eaeef2;font-size:12px;color:#57606a}
.notice{padding:6px 12px;background:#fef2f2;color:#b91c1c;font-size:12px;border-top:1px solid #fecaca}
.who{display:flex;align-items:center;gap:6px;margin-bottom:4px;font-size:12px;font-weight:600;color:#57606a}
.avatar{width:22px;height:22px;border-radius:50%;object-fit:cover;background:#475569;display:inline-flex;align-items:center;justify-content:center;color:#fff;font-size:11px}
.body{white-space:pre-wrap;overflow-wrap:anywhere}
.body a,.greeting a{color:#1d4ed8}
.files img{display:block;max-width:100%;max-height:200px;margin-top:6px;border-radius:6px}
.files a{display:block;margin-top:4px;color:#1d4ed8;overflow-wrap:anywhere}
.meta{margin-top:2px;font-size:11px;color:#57606a;text-align:end}
.meta span{margin-inline-start:6px}
.typing{padding:2px 16px;font-size:12px;color:#57606a;font-style:italic}
.emoji{display:grid;grid-template-columns:repeat(8,1fr);gap:2px;padding:6px;border-top:1px solid #d0d7de}
.emoji button{border:0;background:none;font-size:20px;padding:2px;border-radius:4px}
.emoji button:hover{background:#eef2f7}
form{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #d0d7de}
textarea{flex:1;resize:none;max-height:120px;border:1px solid #d0d7de;border-radius:8px;padding:8px;font:inherit;color:inherit}
form button{border:0;border-radius:8px;padding:8px 10px;background:#eef2f7}
form .send{background:var(--accent);color:var(--on-accent)}
.me{padding:4px 12px 8px;font-size:11px;color:#57606a}
@media (max-height:600px){.root{bottom:8px}.panel{max-height:calc(100vh - 68px);max-height:calc(100dvh - 68px);margin-bottom:8px}header{padding:6px 12px}.greeting,.away{max-height:3.4em;overflow-y:auto;padding:4px 12px;font-size:12px}form{padding:4px 8px}.me{display:none}}
@media (max-width:480px){.root{right:8px;bottom:8px;left:8px}}
@media ${SMALL}{.panel{position:fixed;inset:0;width:auto;height:100vh;height:100dvh;max-height:none;margin:0;border-radius:0}.open .launcher{display:none}}
@media (pointer:coarse){textarea{font-size:16px}}
`;
