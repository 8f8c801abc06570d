/**
 * A flag the supervisor raises and a thread reads, in shared memory. Threads cannot be
 * terminated safely while inside a native call (onnxruntime aborts the whole process), so at the
 * drain deadline (one flag for every thread) or a document's time limit (one flag per task) they
 * are asked to stop at their next checkpoint instead.
 */
export class CancelFlag {
  private readonly view: Int32Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.view = new Int32Array(buffer);
  }

  raise(): void {
    Atomics.store(this.view, 0, 1);
  }

  get raised(): boolean {
    return Atomics.load(this.view, 0) === 1;
  }
}
