// The V8 flags the server runs under wherever this project starts it: `npm start`, the
// package's command (bin/, in its shebang), the Docker image (CMD) and the benchmark. The
// bundle's code cache is made under them too (scripts/bundle.mjs), since V8 takes a code
// cache only under the flags it was made with. test/node-flags.test.ts checks that every
// one of those places says exactly these.
//
// Memory (docs/PERFORMANCE.md, "Start-up and memory"): a young generation of two 2 MiB
// semi-spaces instead of V8's 16 MiB, and an old generation allowed to grow by 10% past
// what survived the last full collection instead of V8's factor of up to 4, keep the peak
// RSS after the benchmark's load inside its target (1.3x the baseline's).
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=10']
