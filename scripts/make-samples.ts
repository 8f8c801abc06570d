/**
 * Writes the sample documents of the quick start into samples/: one per supported format, all about
 * the same (invented) company, so a question asked after ingesting them has answers spread over
 * several files and formats. Run with: node --import tsx scripts/make-samples.ts
 *
 * The binary samples come from the test fixture builders, so the quick start ingests the same kind
 * of files the tests prove the extractors read.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { type DocxBlock, makeDocx, makePdf } from "../test/support/document-fixtures.js";

const HANDBOOK_MD = `# Kestrel Freight Platform Operations Handbook

This handbook is for engineers who run Dispatch, the platform that plans routes, tracks trucks and
tells customers where their freight is. It covers on-call, incidents, deploys and the runbooks we
use most. When something here is wrong, fix it in the same pull request as the change that made it
wrong.

## On-call

### Rotation

The platform team runs a weekly rotation with a primary and a secondary engineer. Handover happens
on Mondays at 10:00 UTC in the #platform-oncall channel: the outgoing primary posts open incidents,
silenced alerts and anything deployed late on Friday. The secondary becomes next week's primary.

New engineers shadow two rotations before joining the schedule, and they are never primary during
their first month.

### Paging

Alerts page the primary through PagerDuty. If the primary does not acknowledge within 15 minutes,
the page escalates to the secondary, and after another 15 minutes to the engineering manager on
duty. Acknowledge a page even when you are still reading it: an unacknowledged page wakes the next
person up.

Pages outside working hours are for customer impact only. Anything that can wait until morning
belongs in the #platform-alerts channel as a ticket, not a page; tune the alert the next day.

## Incident response

### Severity levels

- **SEV1**: customers cannot book, track or receive freight, or data may be lost. Page the incident
  commander immediately and open a status page entry within 15 minutes.
- **SEV2**: a major feature is degraded (slow tracking updates, delayed notifications) with a
  workaround. Page the primary; status page at the incident commander's discretion.
- **SEV3**: minor or internal impact. Handle during working hours.

### Roles

Every SEV1 and SEV2 has an incident commander (IC) who coordinates and does not debug, a
communications lead who updates the status page every 30 minutes, and one or more responders.
The primary on-call is the first IC until someone else takes the role explicitly.

### After the incident

Write a blameless review within five working days for every SEV1 and SEV2. Reviews list the
timeline, the contributing causes and at most five follow-up actions, each with an owner and a date.

## Deploys

Dispatch deploys from the main branch through the release pipeline. Deploy windows are Monday to
Thursday, 08:00 to 16:00 UTC. No deploys on Fridays, on public holidays or during an open SEV1.

Every deploy goes to the canary pool first (5% of traffic) for 20 minutes. The pipeline rolls back
on its own when the canary's error rate exceeds 1% or its p95 latency doubles. To roll back by hand:

\`\`\`bash
# list the last releases and pick the previous good one
dispatchctl releases list --service route-planner --limit 5
# roll back; this takes about three minutes
dispatchctl rollback --service route-planner --to r2024.11.18-2
\`\`\`

## Runbooks

### Database failover

The primary PostgreSQL cluster fails over automatically when the leader is unreachable for 30
seconds. After a failover, check replication lag on the new replicas, then restart the tracking
ingest workers so they reconnect to the new leader instead of waiting for their pool timeouts.

### Queue backlog

When the tracking queue holds more than 50,000 waiting messages, scale the ingest workers first
(up to 24 replicas), then look for a slow downstream dependency. Never purge the queue: every
message is a truck position a customer may be watching.

## Access and secrets

Production access goes through the bastion with short-lived certificates issued by the access
portal; certificates expire after eight hours. Secrets live in the vault, never in repositories,
tickets or chat. If a secret leaks, rotate it first and write the review afterwards.

## Contacts

- Platform team: #platform-help
- Security: security@kestrel-freight.example
- Incident commanders: the "ic-on-duty" PagerDuty schedule
`;

const RELEASE_NOTES_TXT = `DISPATCH RELEASE NOTES
Kestrel Freight platform team

Dispatch follows calendar releases: rYYYY.MM.DD-N, where N counts the releases of that day.
Breaking changes are announced two releases ahead in #platform-announce.

----------------------------------------------------------------------
Release r2024.11.25-1
----------------------------------------------------------------------

New
  * Route planner: multi-stop routes now respect driver rest periods (EU regulation 561/2006).
    Plans that cannot fit the rest periods are returned with a warning instead of being rejected.
  * Tracking: customers can subscribe to delay notifications by SMS as well as e-mail.
  * dispatchctl: "releases list" accepts --since to filter by date.

Fixed
  * Tracking ingest dropped positions that arrived more than ten minutes late. Late positions are
    now stored and marked as late, so the trip history has no gaps.
  * The notification service sent duplicate "delivered" e-mails when a driver confirmed delivery
    twice within a second.

Operations
  * Canary analysis now also watches p95 latency: a canary whose p95 doubles is rolled back.
  * The tracking queue alert threshold moved from 20,000 to 50,000 waiting messages, matching the
    runbook. The old threshold paged on ordinary Monday morning peaks.

----------------------------------------------------------------------
Release r2024.11.18-2
----------------------------------------------------------------------

New
  * Route planner: a new "avoid low bridges" constraint for trucks higher than 4 metres.
  * Customer portal: shipments can be filtered by destination depot.

Fixed
  * r2024.11.18-1 shipped a migration that locked the shipments table for four minutes on large
    accounts. This release replaces it with a batched migration; no downtime.

Known issues
  * Estimated arrival times can be up to five minutes early for routes crossing a time zone.
    A fix is planned for r2024.11.25.

----------------------------------------------------------------------
Release r2024.11.11-1
----------------------------------------------------------------------

Breaking
  * The v1 tracking API is removed, as announced in r2024.10.28. Clients must use v2, which has
    been available since March. Requests to v1 now return 410 Gone with a link to the migration
    guide.

New
  * PostgreSQL upgraded from 14 to 16 on the primary cluster. Failover time dropped from about
    90 seconds to about 30 seconds.
  * Tracking ingest workers export queue depth and processing time as Prometheus metrics.

Fixed
  * Route planner ignored depot closing times on public holidays.

----------------------------------------------------------------------
Release r2024.10.28-1
----------------------------------------------------------------------

Deprecated
  * The v1 tracking API will be removed in r2024.11.11. Use v2.

New
  * Dispatch now runs in two regions (eu-west and eu-central). Traffic is split by customer
    account; each region can take all traffic if the other fails.

Operations
  * Deploy windows changed to Monday to Thursday, 08:00 to 16:00 UTC. Friday deploys are no
    longer allowed, after two Friday incidents in September.

----------------------------------------------------------------------
Upgrade notes for integrators
----------------------------------------------------------------------

  1. Move to the v2 tracking API before r2024.11.11 (done for all known customers).
  2. Webhook signatures use HMAC-SHA256 since r2024.09.30; the SHA-1 header was removed.
  3. Rate limits are per API key: 600 requests per minute, bursts of 100.
`;

const ONBOARDING_PAGES = [
  `Welcome to the Kestrel Freight Platform Team

This guide walks you through your first three weeks on the platform team. The team builds and runs
Dispatch, the system that plans routes for about 2,400 trucks a day, tracks them, and tells
customers where their freight is. You will find most answers in the operations handbook and the
architecture overview; this guide tells you in which order to read them and who to ask.

Week one: accounts, tools and people

On your first day your manager pairs you with an onboarding buddy from the team. Your buddy is
your first contact for any question, however small, for the first month. Expect to spend the first
week getting access and reading, not shipping.

Ask IT for your laptop and request these accounts through the access portal: the source code
organisation, the CI pipeline, the observability stack (dashboards and logs), PagerDuty (as an
observer for now) and the vault. Production access comes later: it needs the security training,
which takes about two hours and is booked through the learning portal.

Join these channels: #platform-help (questions from other teams), #platform-oncall (handover and
live incidents), #platform-alerts (non-urgent alerts) and #platform-announce (releases and breaking
changes).`,
  `Week two: your first change

Pick a ticket labelled "good first change" with your buddy. Good first changes touch one service,
have a clear test, and can be deployed in a normal deploy window. Typical examples are a new metric,
a clearer error message, or a small fix in the route planner's constraint checks.

Every change goes through a pull request with at least one review from the team. The CI pipeline
runs the unit tests, the contract tests against the tracking API and a short load test. When the
pipeline is green and the review approved, merge it yourself: the release pipeline deploys main to
the canary pool first, watches it for 20 minutes, then rolls out to all regions.

Deploy windows are Monday to Thursday, 08:00 to 16:00 UTC. If your change is still in the pipeline
at 16:00, it waits for the next window. Watch your first deploy with your buddy on the release
dashboard, and read the rollback section of the handbook before you need it.

By the end of week two you should have read the architecture overview, in particular the parts on
tracking ingest and the event stream, because most alerts come from there.`,
  `Week three: shadowing on-call

Engineers shadow two on-call rotations before joining the schedule. While shadowing you receive
the same pages as the primary, join the incident channel for every page and write down what you
would have done before the primary tells you what they did. Handover is on Mondays at 10:00 UTC in
#platform-oncall; attend it both weeks.

Things to practise while shadowing: acknowledging a page within 15 minutes, finding the dashboard
for the service that paged, reading the runbook for database failover and for a tracking queue
backlog, and writing a status page update for a SEV2.

You will not be primary during your first month. After two shadow rotations your manager and your
buddy decide with you when you join the schedule, usually as secondary first.

Checklist before your first rotation

- Production access granted and tested through the bastion.
- PagerDuty role changed from observer to responder, with phone and push notifications working.
- Handbook sections on paging, severity levels and incident roles read.
- One rollback practised in the staging environment with dispatchctl.

Welcome aboard. Questions about this guide go to #platform-help.`,
];

const ARCHITECTURE_DOCX: readonly DocxBlock[] = [
  {
    heading: "Dispatch Architecture Overview",
    level: 1,
    paragraphs: [
      "Dispatch is Kestrel Freight's logistics platform. It plans routes for about 2,400 trucks a day, " +
        "ingests their positions every 30 seconds, and notifies customers about pickups, delays and " +
        "deliveries. This document describes its main components, where its data lives and how it stays up.",
    ],
  },
  {
    heading: "Context",
    level: 2,
    paragraphs: [
      "Three kinds of users talk to Dispatch: planners in the depots, who build and adjust routes; " +
        "drivers, whose mobile app reports positions and delivery confirmations; and customers, who " +
        "follow their shipments in the customer portal or through the tracking API.",
      "Dispatch runs in two regions, eu-west and eu-central. Customer accounts are split between the " +
        "regions, and each region is sized to take all traffic if the other one fails.",
    ],
  },
  {
    heading: "Components",
    level: 2,
    paragraphs: [
      "Dispatch is a set of services deployed independently through the same release pipeline. " +
        "They talk over HTTP for requests that need an answer and over the event stream for everything else.",
    ],
  },
  {
    heading: "API gateway",
    level: 3,
    paragraphs: [
      "The gateway terminates TLS, authenticates API keys and portal sessions, and applies rate limits " +
        "of 600 requests per minute per API key with bursts of 100. It routes v2 tracking API calls to " +
        "the tracking service; the v1 API was removed in release r2024.11.11.",
    ],
  },
  {
    heading: "Route planner",
    level: 3,
    paragraphs: [
      "The route planner builds multi-stop routes under constraints: vehicle size and weight, depot " +
        "opening hours, low bridges and driver rest periods. Planning a day for a large depot takes " +
        "about four minutes, so plans are computed asynchronously and published as events.",
    ],
  },
  {
    heading: "Tracking ingest",
    level: 3,
    paragraphs: [
      "Driver apps send positions to the tracking ingest service, which validates them and writes " +
        "them to the tracking queue. Ingest workers consume the queue, match positions to trips, and " +
        "store them. Late positions are kept and marked as late, so trip histories have no gaps.",
      "The queue absorbs bursts such as Monday morning departures. The backlog alert fires at 50,000 " +
        "waiting messages; the runbook says to scale the workers, up to 24 replicas, before anything else.",
    ],
  },
  {
    heading: "Notification service",
    level: 3,
    paragraphs: [
      "The notification service turns trip events into e-mails, SMS and webhooks for customers. " +
        "Webhooks are signed with HMAC-SHA256. Notifications are deduplicated per trip and event type " +
        "so a driver confirming a delivery twice sends one message.",
    ],
  },
  {
    heading: "Data",
    level: 2,
    paragraphs: [
      "Each region owns the data of its customer accounts. Nothing is shared between regions except " +
        "configuration and the read-only map data used by the route planner.",
    ],
  },
  {
    heading: "PostgreSQL",
    level: 3,
    paragraphs: [
      "Shipments, trips, routes and positions live in PostgreSQL 16, one primary cluster per region " +
        "with two synchronous replicas. Failover is automatic after the leader has been unreachable " +
        "for 30 seconds. Positions older than 13 months are moved to cold storage every night.",
    ],
  },
  {
    heading: "Event stream",
    level: 3,
    paragraphs: [
      "Services publish domain events (route planned, trip started, position late, delivered) to the " +
        "event stream. Consumers keep their own offsets, so a slow consumer never blocks the others, " +
        "and events are retained for seven days to allow replays after an incident.",
    ],
  },
  {
    heading: "Reliability",
    level: 2,
    paragraphs: [
      "Every deploy goes to a canary pool that receives 5% of traffic for 20 minutes. The release " +
        "pipeline rolls back automatically when the canary's error rate exceeds 1% or its p95 latency " +
        "doubles. Deploy windows are Monday to Thursday, 08:00 to 16:00 UTC.",
      "The service level objective for the tracking API is 99.9% of requests answered successfully " +
        "within 500 milliseconds, measured over 28 days. SEV1 incidents are those that break booking, " +
        "tracking or delivery for customers.",
    ],
  },
  {
    heading: "Security",
    level: 2,
    paragraphs: [
      "Production access goes through a bastion with certificates that expire after eight hours. " +
        "Secrets are stored in the vault and injected at start; services never read them from files in " +
        "their images. Personal data of drivers is limited to what routing and labour law require.",
    ],
  },
  {
    heading: "Open questions",
    level: 2,
    paragraphs: [
      "Should the route planner move to incremental planning, so that a single changed stop does not " +
        "recompute a whole day? Should positions be partitioned by month to make the nightly move to " +
        "cold storage cheaper? Both are on the roadmap for next year.",
    ],
  },
];

/**
 * The page texts above are wrapped at 100 columns for this file's sake; makePdf breaks lines at
 * every "\n", so paragraphs are joined back into single lines and makePdf wraps them to the page.
 * Blank lines and list items ("- ") keep their line breaks.
 */
function unwrap(page: string): string {
  return page.replace(/(?<!\n)\n(?!\n|- )/g, " ");
}

async function main(): Promise<void> {
  const dir = new URL("../samples/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const files: Array<[string, Uint8Array | string]> = [
    ["handbook.md", HANDBOOK_MD],
    ["release-notes.txt", RELEASE_NOTES_TXT],
    ["onboarding.pdf", await makePdf(ONBOARDING_PAGES.map(unwrap))],
    ["architecture.docx", await makeDocx(ARCHITECTURE_DOCX)],
  ];
  for (const [name, content] of files) {
    await writeFile(new URL(name, dir), content);
    const size = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
    console.log(`samples/${name}  ${size} bytes`);
  }
}

await main();
