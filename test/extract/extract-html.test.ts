import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { extractHtml } from "../../src/extract/extract-html.js";

const html = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("extractHtml", () => {
  it("keeps the text under its headings and drops scripts, styles, navigation and page chrome", () => {
    const doc = extractHtml(
      html(`<!doctype html><html><head><title>Site</title><style>p { color: red }</style></head>
      <body>
        <header><a href="/">Logo</a> Subscribe now</header>
        <nav><ul><li>Home</li><li>Pricing</li></ul></nav>
        <script>track("visit")</script>
        <h1>Guide</h1>
        <p>First   paragraph,
           wrapped in the source.</p>
        <h2>Steps</h2>
        <ol><li>Install</li><li>Run <b>it</b></li></ol>
        <aside>Related posts</aside>
        <div hidden>Hidden text</div>
        <footer>© Example Corp</footer>
      </body></html>`),
    );
    assert.deepEqual(doc, {
      format: "html",
      sections: [
        { text: "Guide\n\nFirst paragraph, wrapped in the source.", headingPath: ["Guide"] },
        { text: "Steps\n\n- Install\n- Run it", headingPath: ["Guide", "Steps"] },
      ],
    });
  });

  it("reads only <main> when the page marks its content, keeping an article's own header", () => {
    const doc = extractHtml(
      html(`<body><div class="sidebar">Popular: cats</div>
        <main><article><header><h1>Release 2.0</h1><p>By the team</p></header>
        <p>What changed.</p></article></main>
        <div>Cookie banner</div></body>`),
    );
    assert.deepEqual(doc.sections, [
      { text: "Release 2.0\n\nBy the team\n\nWhat changed.", headingPath: ["Release 2.0"] },
    ]);
  });

  it("writes table rows as ' | '-joined lines and keeps line breaks and preformatted lines", () => {
    const doc = extractHtml(
      html(`<table><tr><th>Team</th><th>Channel</th></tr><tr><td>Platform</td><td>#help</td></tr></table>
        <p>line one<br>line two</p><pre>a  b
c</pre>`),
    );
    assert.equal(doc.sections[0]?.text, "Team | Channel\nPlatform | #help\n\nline one\nline two\n\na b\nc");
  });

  it("decodes entities and legacy-encoded pages", () => {
    const latin1 = new Uint8Array(Buffer.from("<p>Caf\xe9 &amp; cr&egrave;me &#8364;5</p>", "latin1"));
    assert.equal(extractHtml(latin1).sections[0]?.text, "Café & crème €5");
  });

  it("returns no sections for a page with no visible text", () => {
    assert.deepEqual(
      extractHtml(html("<html><head><script>x()</script></head><body> </body></html>")).sections,
      [],
    );
  });
});
