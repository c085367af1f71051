// The baseline of the benchmark: a bare Fastify server answering every request with a
// precomputed body (the emulator's own answer to the same request, captured first). It
// measures the ceiling of Fastify on this machine: routing, parsing and writing the same
// bytes, no storage, no validation, no auth.
//
//   node bench/baseline-server.mjs --port <port> --answers <file.json>
//
// answers file: { "<METHOD> <url>": { "status": 200, "contentType": "...", "body": "..." } }
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'

const { values } = parseArgs({ options: { port: { type: 'string' }, answers: { type: 'string' } } })
const answers = new Map()
for (const [key, answer] of Object.entries(JSON.parse(readFileSync(values.answers, 'utf8')))) {
  answers.set(key, { status: answer.status, contentType: answer.contentType, body: Buffer.from(answer.body) })
}

const app = Fastify({ logger: false })
const paths = new Set([...answers.keys()].map((key) => key.split(' ')[1].split('?')[0]))
for (const path of paths) {
  app.route({
    method: ['GET', 'POST'],
    url: path,
    handler: (request, reply) => {
      // POSTs answer the same captured collection whatever email they re-invite.
      const answer = answers.get(`${request.method} ${request.url}`) ?? answers.get(`${request.method} ${path}`)
      if (answer === undefined) return reply.code(404).send({ type: 'NotFound', message: 'no captured answer' })
      return reply.code(answer.status).header('content-type', answer.contentType).send(answer.body)
    }
  })
}
await app.listen({ port: Number(values.port), host: '127.0.0.1' })
