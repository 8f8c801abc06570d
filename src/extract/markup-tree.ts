import type { ChildNode, Element } from "domhandler";
import { parseDocument } from "htmlparser2";

export type { ChildNode, Element };

/**
 * XML parts of office files (ODT content.xml, PPTX slides, XLSX workbook.xml) as a tree. Names keep
 * their namespace prefix ("text:p", "a:t"): the prefixes are fixed by the formats' specifications
 * and every writer we have seen uses them. htmlparser2's XML mode is forgiving, which is what a file
 * that merely bends the rules needs; a part that is not XML at all yields an empty tree.
 */
export function parseXml(xml: string): ChildNode[] {
  return parseDocument(xml, { xmlMode: true }).children;
}

/** An HTML page as a tree, entities decoded and element names lowercased. */
export function parseHtml(html: string): ChildNode[] {
  return parseDocument(html, { decodeEntities: true, lowerCaseTags: true }).children;
}

export function isElement(node: ChildNode): node is Element {
  return node.type === "tag" || node.type === "script" || node.type === "style";
}

/** Every element named `name` under the nodes, in document order, not looking inside matches. */
export function findAll(nodes: readonly ChildNode[], name: string): Element[] {
  const found: Element[] = [];
  const visit = (node: ChildNode): void => {
    if (!isElement(node)) return;
    if (node.name === name) {
      found.push(node);
      return;
    }
    node.children.forEach(visit);
  };
  nodes.forEach(visit);
  return found;
}

export function findFirst(nodes: readonly ChildNode[], name: string): Element | undefined {
  for (const node of nodes) {
    if (!isElement(node)) continue;
    if (node.name === name) return node;
    const inner = findFirst(node.children, name);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
