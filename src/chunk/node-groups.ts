/** One rag-corp 2-tier node before it is embedded: consecutive chunks as one text. */
export interface NodeGroup {
  readonly index: number;
  readonly text: string;
  readonly spanStart: number;
  readonly spanEnd: number;
}

/**
 * rag-corp's node builder: chunks in `chunk_index` order, grouped by `groupSize`, their contents
 * joined with one space and cut to `textMaxChars` code points (Python slicing), spans the first and
 * last chunk_index of the group.
 */
export function buildNodeGroups(
  chunks: readonly { readonly index: number; readonly content: string }[],
  options: { readonly groupSize: number; readonly textMaxChars: number },
): NodeGroup[] {
  const ordered = [...chunks].sort((a, b) => a.index - b.index);
  const groups: NodeGroup[] = [];
  for (let start = 0; start < ordered.length; start += options.groupSize) {
    const members = ordered.slice(start, start + options.groupSize);
    const first = members[0];
    const last = members[members.length - 1];
    if (!first || !last) break;
    const joined = members.map((chunk) => chunk.content).join(" ");
    groups.push({
      index: groups.length,
      text: cutCodePoints(joined, options.textMaxChars),
      spanStart: first.index,
      spanEnd: last.index,
    });
  }
  return groups;
}

function cutCodePoints(text: string, limit: number): string {
  // Cheap exit: a UTF-16 length within the limit has at most that many code points.
  if (text.length <= limit) return text;
  let end = 0;
  let count = 0;
  for (const character of text) {
    if (count === limit) break;
    end += character.length;
    count += 1;
  }
  return text.slice(0, end);
}
