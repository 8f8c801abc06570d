/** A connection URL safe to log: the password replaced, everything else kept for debugging. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    // libpq and drivers also take secrets as parameters (?password=, ?sslpassword=, ?api_key=).
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    return "<unparseable url>";
  }
}
