/** Query parameters that carry secrets (libpq's ?password=, ?sslpassword=, ?sentinel_password=, ?api_key=). */
const SECRET_PARAMETER = /pass|secret|token|key/i;

/** A connection URL safe to log: the password replaced, everything else kept for debugging. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    return maskMultiHostUrl(url) ?? "<unparseable url>";
  }
}

/**
 * URLs naming several hosts (`redis+sentinel://:pw@h1:26379,h2:26379/master`, libpq's
 * `postgres://u:pw@h1:5432,h2:5432/db`), which the WHATWG parser refuses: the same masking, done
 * on the text. Null when it does not look like `scheme://authority…` at all.
 */
function maskMultiHostUrl(url: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!match) return null;
  const [, scheme = "", authority = "", path = "", query, fragment = ""] = match;
  // The user info ends at the authority's last "@"; its password, after the first ":".
  const at = authority.lastIndexOf("@");
  const colon = at === -1 ? -1 : authority.slice(0, at).indexOf(":");
  const maskedAuthority =
    colon === -1 || colon === at - 1
      ? authority
      : `${authority.slice(0, colon + 1)}***${authority.slice(at)}`;
  let maskedQuery = "";
  if (query !== undefined) {
    const parameters = new URLSearchParams(query.slice(1));
    for (const name of [...parameters.keys()]) {
      if (SECRET_PARAMETER.test(name)) parameters.set(name, "***");
    }
    maskedQuery = `?${parameters.toString()}`;
  }
  return `${scheme}${maskedAuthority}${path}${maskedQuery}${fragment}`;
}
