// The house's layers (README.md, Layout): imports run one way, down
//   app composition -> routes -> listings -> domain -> store,
// with leaves (the glob matcher, the errors, the schemas, small helpers) importing nothing
// of the project above them. `npm run lint` runs this; a planted upward import fails it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: two modules that each need the other are one layer, or one of them is in the wrong place.',
      from: { path: '^src/' },
      to: { circular: true }
    },
    {
      name: 'listings-not-routes',
      severity: 'error',
      comment: 'The listing seam sits below the routes: it takes a ListingQuery and answers bytes.',
      from: { path: '^src/listings/' },
      to: { path: '^src/(routes/|app\\.ts|emulator\\.ts|pipeline\\.ts|http/)' }
    },
    {
      name: 'domain-not-up',
      severity: 'error',
      comment: 'The domain (presenting, look-ups, expiry, the invite e-mail) sits below both routes and listings.',
      from: { path: '^src/domain/' },
      to: { path: '^src/(listings/|routes/|app\\.ts|emulator\\.ts|pipeline\\.ts|http/|harness/)' }
    },
    {
      name: 'store-not-up',
      severity: 'error',
      comment: 'The store is the bottom layer: no listings, routes, domain or HTTP.',
      from: { path: '^src/store/' },
      to: { path: '^src/(listings/|routes/|domain/|harness/|http/|app\\.ts|emulator\\.ts|pipeline\\.ts)' }
    },
    {
      name: 'store-not-http',
      severity: 'error',
      comment: 'The store knows nothing of HTTP.',
      from: { path: '^src/store/' },
      to: { path: '(^|/)node_modules/(fastify|@fastify/|light-my-request)|^node:?http' }
    },
    {
      name: 'leaves-import-nothing',
      severity: 'error',
      comment: 'Leaves: the glob matcher, the listening URL and the token grant import nothing of the project.',
      from: { path: '^src/(glob|listen-url|auth/grant)\\.ts$' },
      to: { path: '^src/' }
    },
    {
      name: 'errors-a-leaf',
      severity: 'error',
      comment: 'The errors are a leaf: every layer throws them.',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' }
    },
    {
      name: 'schemas-a-leaf',
      severity: 'error',
      comment: 'The schemas (what a client sees) import only each other.',
      from: { path: '^src/schemas/' },
      to: { path: '^src/', pathNot: '^src/schemas/' }
    },
    {
      name: 'ui-only-its-own',
      severity: 'error',
      comment: 'The web UI is browser code: of the server it imports only types from src/schemas.',
      from: { path: '^src/ui/' },
      to: { path: '^src/', pathNot: '^src/(ui|schemas)/' }
    },
    {
      name: 'ui-schemas-types-only',
      severity: 'error',
      comment: 'Types only: a value import would bundle TypeBox and the schemas into the page.',
      from: { path: '^src/ui/' },
      to: { path: '^src/schemas/', dependencyTypesNot: ['type-only'] }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
    exclude: { path: '^src/ui/.*\\.css$' }
  }
}
