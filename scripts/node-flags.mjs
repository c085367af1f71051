// The V8 flags and the environment the server runs under wherever this project starts it:
// `npm start`, the package's command (bin/, in its shebang), the Docker image (CMD, ENV)
// and the benchmark. The bundle's code cache is made under the flags too
// (scripts/bundle.mjs), since V8 takes a code cache only under the flags it was made with.
// test/node-flags.test.ts checks that every one of those places says exactly these.
//
// Memory (docs/PERFORMANCE.md, scenario e): a young generation of two 2 MiB semi-spaces
// instead of V8's 16 MiB, and an old generation allowed to grow by 10% past what survived
// the last full collection instead of V8's factor of up to 4: the peak RSS after the
// benchmark's load fell from about 180 MiB to about 100 MiB; POSTs, which allocate the
// most, lost throughput.
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=10']

// glibc's malloc (Linux; other C libraries ignore it): allocations of 128 KiB and more
// always get their own mapping, returned to the system when freed. By default glibc raises
// that threshold to the size of the largest block freed so far, so the large answers of
// long listings (the 414 KB one of the benchmark's 1000-invite org) are carved from the heap
// afterwards and their memory stays resident when freed: about 8 MiB of peak RSS in the
// benchmark (docs/PERFORMANCE.md, scenario e).
export const NODE_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' }
