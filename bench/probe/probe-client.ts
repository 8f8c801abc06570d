/** The benchmark's side of the runtime probe: asks a child process over IPC and waits for the answer. */
import type { ChildProcess } from "node:child_process";
import type { ProbeReading } from "./probe-reading.js";

let nextId = 1;

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off("message", onMessage);
      reject(new Error(`probe did not answer ${type} within 10 s (pid ${child.pid})`));
    }, 10_000);
    const onMessage = (message: { type?: string; id?: number }) => {
      if (message.type !== type || message.id !== id) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
    child.send({ type, id });
  });
}

export class ProbeClient {
  constructor(private readonly child: ChildProcess) {}

  async reset(): Promise<void> {
    await ask(this.child, "probe:reset");
  }

  read(): Promise<ProbeReading> {
    return ask<ProbeReading>(this.child, "probe:read");
  }
}
