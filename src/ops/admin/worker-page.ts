import { BULL_BOARD_PATH } from "./bull-board.js";
import { Html, html } from "./html.js";
import { renderWorkerPanel } from "./worker-panel.js";
import type { WorkerStatus } from "./worker-status.js";

/** How often the page's script fetches the panel again. */
export const PANEL_REFRESH_MS = 1_000;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d232a; }
header { display: flex; gap: 1.5rem; align-items: baseline; }
h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #dde2e8; vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; } tr.busy td { background: #eef7ee; } tr.idle td { color: #7a8591; }
td small { color: #5b6673; } code { font-size: 12px; } .reason { max-width: 32rem; overflow-wrap: break-word; }
.notice { background: #fff7d6; padding: 0.4rem 0.6rem; } .error { color: #b3261e; } #updated { color: #5b6673; }
`;

// Fetches the panel again every PANEL_REFRESH_MS and swaps it in; says when it could not.
const SCRIPT = `
const panel = document.getElementById("panel");
const updated = document.getElementById("updated");
async function refresh() {
  try {
    const response = await fetch("/admin/worker/panel", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    panel.innerHTML = await response.text();
    updated.textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    updated.textContent = "could not refresh: " + error.message;
  } finally {
    setTimeout(refresh, ${PANEL_REFRESH_MS});
  }
}
setTimeout(refresh, ${PANEL_REFRESH_MS});
`;

// Constants of this file, not data: inside <style> and <script> entities would not be decoded.
const TRUSTED_STYLE = new Html(STYLE);
const TRUSTED_SCRIPT = new Html(SCRIPT);

/** The worker page: the panel as it is now, and a script (with the response's CSP nonce) that keeps it fresh. */
export function renderWorkerPage(status: WorkerStatus, nonce: string, notice: string | null): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>ragworker: threads, failures, reconciler</title>
        <style nonce="${nonce}">
          ${TRUSTED_STYLE}
        </style>
      </head>
      <body>
        <header>
          <h1>ragworker</h1>
          <a href="${BULL_BOARD_PATH}">Bull Board (queue ${status.queue})</a><span id="updated"></span>
        </header>
        ${notice === null ? "" : html`<p class="notice" role="status">${notice}</p>`}
        <main id="panel">${renderWorkerPanel(status)}</main>
        <script nonce="${nonce}">
          ${TRUSTED_SCRIPT};
        </script>
      </body>
    </html> `;
}
