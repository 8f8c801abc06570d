import sharp from "sharp";

// Set once for the process, before any image is read. The pool's threads are the parallelism, as
// tesseract runs with OMP_THREAD_LIMIT=1: libvips's own thread pool (a thread per core by default,
// per operation) would have two pool threads' decodes fight each other and the tesseract children
// for the same cores. And no operation cache: a decoded page kept there outlives its document.
sharp.concurrency(1);
sharp.cache(false);

/** sharp, configured for the pool (one libvips thread an operation, no cache). */
export default sharp;
