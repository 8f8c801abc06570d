/** One GET to a worker's ops server on loopback, bounded, with what the tests look at. */
export interface OpsAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

export async function opsGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<OpsAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}
