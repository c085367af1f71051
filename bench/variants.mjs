// The ablation's variants (node bench/run.mjs --ablation, docs/PERFORMANCE.md): the
// emulator with every mechanism on first (the reference), then each mechanism off in turn.
// `off` names options of the listing seam (src/listings, ListingsOptions) set to false
// through buildApp; `dropFlags` leaves out one of scripts/node-flags.mjs's V8 flags;
// `flags`, when given, replaces them.
export const VARIANTS = [
  { name: 'all on' },
  { name: 'answer cache', off: ['answerCache'] },
  { name: 'org records', off: ['orgRecords'] },
  { name: 'invite JSON', off: ['inviteJson'] },
  { name: '--max-semi-space-size=2', dropFlags: ['--max-semi-space-size=2'] },
  { name: '--heap-growing-percent=10', dropFlags: ['--heap-growing-percent=10'] }
]
