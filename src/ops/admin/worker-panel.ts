import type { ReconcilerView, RunningJobView, ThreadsView } from "./admin-sources.js";
import { formatElapsed, formatUtc } from "./durations.js";
import { FAILURES_SHOWN, type FailureView } from "./failed-jobs.js";
import type { RetriedJobView } from "./retried-jobs.js";
import { html, type Html } from "./html.js";
import type { WorkerStatus } from "./worker-status.js";

/** The retry form's action for a failed job (job ids may hold ':', as the reconciler's do). */
export function retryPath(jobId: string): string {
  return `/admin/worker/failures/${encodeURIComponent(jobId)}/retry`;
}

/** The part of the worker page its script refreshes: threads, last failures, the reconciler. */
export function renderWorkerPanel(status: WorkerStatus): Html {
  return html`${threadsSection(status.threads, status.now)}${failuresSection(status)}${reconcilerSection(
    status.reconciler,
    status.now,
  )}`;
}

function stageText(job: RunningJobView): string {
  return job.current !== null && job.total !== null ? `${job.stage} ${job.current}/${job.total}` : job.stage;
}

function threadsSection(view: ThreadsView, now: number): Html {
  const busyIds = new Set(view.running.map((job) => job.threadId).filter((id) => id !== null));
  const idleCount = Math.max(0, view.size - view.running.length);
  const idleIds = view.threadIds.filter((id) => !busyIds.has(id)).slice(0, idleCount);
  const busyRows = [...view.running]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map(
      (job) =>
        html`<tr class="busy" data-job-id="${job.jobId}" data-document-id="${job.documentId ?? ""}">
          <td data-field="thread">${job.threadId ?? "…"}</td>
          <td data-field="state">busy</td>
          <td data-field="document"><code>${job.documentId ?? "(invalid id)"}</code></td>
          <td data-field="workspace"><code>${job.workspaceId ?? ""}</code></td>
          <td data-field="job"><code>${job.jobId}</code></td>
          <td data-field="stage" data-stage="${job.stage}">
            ${stageText(job)} <small>for ${formatElapsed(now - job.stageSince)}</small>
          </td>
          <td data-field="elapsed">${formatElapsed(now - job.startedAt)}</td>
        </tr>`,
    );
  const idleRows = Array.from(
    { length: idleCount },
    (_, index) =>
      html`<tr class="idle" data-thread-state="idle">
        <td data-field="thread">${idleIds[index] ?? "…"}</td>
        <td data-field="state">idle</td>
        <td colspan="5"></td>
      </tr>`,
  );
  return html`<section id="threads">
    <h2>Threads</h2>
    <p data-summary="threads">
      ${view.size} threads: ${view.running.length} busy, ${idleCount} idle; ${view.waitingForThread} fetched
      jobs waiting for a thread.
    </p>
    <table id="thread-table">
      <thead>
        <tr>
          <th>Thread</th>
          <th>State</th>
          <th>Document</th>
          <th>Workspace</th>
          <th>Job</th>
          <th>Stage</th>
          <th>Elapsed</th>
        </tr>
      </thead>
      <tbody>
        ${busyRows}${idleRows}
      </tbody>
    </table>
  </section>`;
}

function failureRow(failure: FailureView): Html {
  return html`<tr data-job-id="${failure.jobId}" data-document-id="${failure.documentId ?? ""}">
    <td data-field="failed-at">${failure.failedAt === null ? "" : formatUtc(failure.failedAt)}</td>
    <td data-field="document"><code>${failure.documentId ?? ""}</code></td>
    <td data-field="workspace"><code>${failure.workspaceId ?? ""}</code></td>
    <td data-field="code"><code>${failure.code ?? ""}</code></td>
    <td data-field="reason" class="reason">${failure.reason}</td>
    <td data-field="attempts">${failure.attemptsMade}</td>
    <td>
      <form method="post" action="${retryPath(failure.jobId)}"><button type="submit">Retry</button></form>
    </td>
  </tr>`;
}

function failuresSection(status: WorkerStatus): Html {
  const body =
    status.failures === null
      ? html`<p class="error">Could not read the failed jobs from Redis: ${status.failuresError ?? ""}</p>`
      : status.failures.length === 0
        ? html`<p data-summary="failures">No failed jobs in queue <code>${status.queue}</code>.</p>`
        : html`<p data-summary="failures">
              Jobs that failed for good in queue <code>${status.queue}</code>, latest first (at most
              ${FAILURES_SHOWN}); Retry sends one back with its attempts afresh.
            </p>
            <table id="failed">
              <thead>
                <tr>
                  <th>Failed at</th>
                  <th>Document</th>
                  <th>Workspace</th>
                  <th>Code</th>
                  <th>Reason</th>
                  <th>Attempts</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${status.failures.map(failureRow)}
              </tbody>
            </table>`;
  return html`<section id="failures">
    <h2>Last failures</h2>
    ${body}${retriedTable(status.retried ?? [], status.now)}
  </section>`;
}

function retriedTable(retried: readonly RetriedJobView[], now: number): Html {
  if (retried.length === 0) return html``;
  const rows = retried.map(
    (job) =>
      html`<tr data-job-id="${job.jobId}" data-document-id="${job.documentId ?? ""}">
        <td>${formatUtc(job.retriedAt)} (${formatElapsed(now - job.retriedAt)} ago)</td>
        <td data-field="document"><code>${job.documentId ?? ""}</code></td>
        <td data-field="job"><code>${job.jobId}</code></td>
        <td data-field="state">${job.state}</td>
        <td data-field="result" class="reason">${job.result ?? ""}</td>
      </tr>`,
  );
  return html`<h3>Retried from this page</h3>
    <table id="retried">
      <thead>
        <tr>
          <th>Retried at</th>
          <th>Document</th>
          <th>Job</th>
          <th>State now</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

function reconcilerSection(view: ReconcilerView, now: number): Html {
  const state =
    view.state === "off"
      ? "off (RECONCILE_INTERVAL_MS=0)"
      : view.state === "leading"
        ? `this replica leads; a pass every ${formatElapsed(view.intervalMs)}`
        : `another replica leads (or none yet); a pass every ${formatElapsed(view.intervalMs)}`;
  const pass = view.lastPass;
  const last =
    pass === null
      ? html`<p data-summary="reconciler-pass">No pass by this replica yet.</p>`
      : html`<table data-summary="reconciler-pass">
          <tr>
            <th>Last pass</th>
            <td data-field="at">${formatUtc(pass.at)} (${formatElapsed(now - pass.at)} ago)</td>
          </tr>
          <tr>
            <th>Found</th>
            <td data-field="found">
              ${pass.pendingWithoutJob} PENDING without a job, ${pass.processingClaimExpired} PROCESSING with
              an expired claim
            </td>
          </tr>
          <tr>
            <th>Left alone</th>
            <td>
              ${pass.withLiveJob} with a live job, ${pass.takenByAnotherReplica} taken by another replica
            </td>
          </tr>
          <tr>
            <th>Enqueued</th>
            <td data-field="enqueued">${pass.enqueued} (${pass.enqueueFailures} failed)</td>
          </tr>
        </table>`;
  return html`<section id="reconciler">
    <h2>Reconciler</h2>
    <p data-field="state">${state}</p>
    ${last}
  </section>`;
}
