/**
 * A local HTTP stand-in for an external API (an embedding service): it records every request
 * and lets the test answer it, late, wrongly, or never. Servers a test leaves open are closed by
 * `closeAll()`, cutting kept-alive and hanging connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listen } from "./waits.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** What the test does with the n-th request (from 1): answer it, or never answer (a hang). */
export type RecordingHandler = (request: RecordedRequest, count: number, response: ServerResponse) => void;

export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `what` names the stand-in in a close that times out ("a Google stand-in"). */
export function recordingServers(what: string): {
  start(handler: RecordingHandler): Promise<RecordingServer>;
  closeAll(): Promise<void>;
} {
  const open = new Set<Server>();
  const close = (server: Server): Promise<void> => {
    open.delete(server);
    return closeServer(server, `${what} to close`);
  };
  return {
    async start(handler) {
      const requests: RecordedRequest[] = [];
      const server = createServer((incoming, response) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          const request: RecordedRequest = {
            method: incoming.method ?? "",
            path: incoming.url ?? "",
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          };
          requests.push(request);
          handler(request, requests.length, response);
        });
      });
      open.add(server);
      const port = await listen(server);
      return { url: `http://127.0.0.1:${port}`, requests, close: () => close(server) };
    },
    closeAll: async () => {
      await Promise.all([...open].map((server) => close(server)));
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}
