/** A connection URL safe to log: the password replaced, everything else kept for debugging. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable url>";
  }
}
