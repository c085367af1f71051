import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError, helpText, OPTIONS, parseCommand } from '../src/config.js'

const run = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseCommand(argv, env)
  assert.equal(parsed.kind, 'run')
  return (parsed as Extract<typeof parsed, { kind: 'run' }>).config
}

describe('configuration', () => {
  test('defaults', () => {
    assert.deepEqual(run([]), { port: 8080, host: '127.0.0.1', db: './data/emulator.db', logLevel: 'info' })
  })

  test('every option has an environment twin; the flag wins', () => {
    const env = {
      PORT: '9000',
      HOST: '0.0.0.0',
      LOSANT_EMULATOR_DB: ':memory:',
      LOSANT_EMULATOR_SEED: 'seed.json',
      LOSANT_EMULATOR_ADMIN_TOKEN: 'adm',
      LOSANT_EMULATOR_INVITE_TTL: '5000',
      LOSANT_EMULATOR_LOG_LEVEL: 'debug'
    }
    assert.deepEqual(run([], env), { port: 9000, host: '0.0.0.0', db: ':memory:', seed: 'seed.json', adminToken: 'adm', inviteTtlMs: 5000, logLevel: 'debug' })
    assert.deepEqual(
      run(['--port', '0', '--host', '::1', '--db', 'x.db', '--seed', 's.json', '--admin-token', 'a', '--invite-ttl', '1', '--log-level', 'silent'], env),
      { port: 0, host: '::1', db: 'x.db', seed: 's.json', adminToken: 'a', inviteTtlMs: 1, logLevel: 'silent' }
    )
    for (const option of OPTIONS) {
      if (option.takesValue) assert.notEqual(option.env, '', option.flag)
    }
  })

  test('bad values are one clear line naming the flag or variable', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--port', 'abc'], {}, /^--port must be a whole number from 0 to 65535, not "abc"$/],
      [['--port', '70000'], {}, /^--port must be/],
      [[], { PORT: '-1' }, /^PORT must be a whole number/],
      [['--invite-ttl', '0'], {}, /^--invite-ttl must be a whole number of milliseconds from 1/],
      [[], { LOSANT_EMULATOR_LOG_LEVEL: 'loud' }, /^LOSANT_EMULATOR_LOG_LEVEL must be one of fatal, error/],
      [['--port', '-1'], {}, /^--port must be a whole number from 0 to 65535, not "-1"$/],
      [['--port=-1'], {}, /^--port must be a whole number from 0 to 65535, not "-1"$/],
      [['--invite-ttl', '-5'], {}, /^--invite-ttl must be a whole number of milliseconds from 1 to \d+, not "-5"$/],
      [['--journal-size', '1.5'], {}, /^--journal-size must be a whole number from 1 to 1000000, not "1.5"$/],
      [['--nope'], {}, /^unknown option --nope; see --help$/],
      [['-x'], {}, /^unknown option -x; see --help$/],
      [['extra'], {}, /^unexpected argument "extra" \(every value follows its option\); see --help$/],
      [['--port'], {}, /^--port needs a value; see --help$/],
      [['--db', '--port', '1'], {}, /^--db needs a value \(one that starts with "-" is written --db=<value>\); see --help$/],
      [['--no-journal=yes'], {}, /^--no-journal takes no value; see --help$/]
    ]
    for (const [argv, env, message] of cases) {
      assert.throws(() => parseCommand(argv, env), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'))
    }
  })

  test('the journal: --journal-size and --no-journal, with their environment twins', () => {
    assert.equal(run(['--journal-size', '5', '--no-journal']).journalSize, 5)
    assert.equal(run(['--no-journal']).journal, false)
    assert.equal(run([], { LOSANT_EMULATOR_JOURNAL: 'off' }).journal, false)
    assert.equal(run([], { LOSANT_EMULATOR_JOURNAL: 'on' }).journal, undefined)
    assert.equal(run([], { LOSANT_EMULATOR_JOURNAL_SIZE: '7' }).journalSize, 7)
    assert.equal(run(['--journal-size', '9'], { LOSANT_EMULATOR_JOURNAL_SIZE: '7' }).journalSize, 9)
    assert.throws(() => parseCommand(['--journal-size', '0'], {}), /--journal-size must be a whole number from 1 to 1000000, not "0"$/)
    assert.throws(() => parseCommand([], { LOSANT_EMULATOR_JOURNAL: 'maybe' }), /LOSANT_EMULATOR_JOURNAL must be on or off, not "maybe"/)
  })

  test('the grace period on SIGTERM/SIGINT: --shutdown-grace, with its environment twin', () => {
    assert.equal(run([]).shutdownGraceMs, undefined, 'the server then waits 10 s')
    assert.equal(run(['--shutdown-grace', '0']).shutdownGraceMs, 0)
    assert.equal(run([], { LOSANT_EMULATOR_SHUTDOWN_GRACE: '2500' }).shutdownGraceMs, 2500)
    assert.equal(run(['--shutdown-grace', '100'], { LOSANT_EMULATOR_SHUTDOWN_GRACE: '2500' }).shutdownGraceMs, 100)
    assert.throws(() => parseCommand(['--shutdown-grace', '10s'], {}), /--shutdown-grace must be .*"10s"/)
    assert.throws(() => parseCommand([], { LOSANT_EMULATOR_SHUTDOWN_GRACE: '-1' }), /LOSANT_EMULATOR_SHUTDOWN_GRACE must be/)
  })

  test('--allowed-hosts and --cors-origins: comma-separated lists, with their environment twins', () => {
    assert.deepEqual(run(['--allowed-hosts', 'emu.example.com, .dev.example,*']).allowedHosts, ['emu.example.com', '.dev.example', '*'])
    assert.deepEqual(run([], { LOSANT_EMULATOR_ALLOWED_HOSTS: 'Emu.Example.com' }).allowedHosts, ['emu.example.com'])
    assert.deepEqual(run(['--allowed-hosts', 'a.example'], { LOSANT_EMULATOR_ALLOWED_HOSTS: 'b.example' }).allowedHosts, ['a.example'])
    assert.deepEqual(run(['--cors-origins', 'http://localhost:5173,https://App.example.com:443']).corsOrigins, ['http://localhost:5173', 'https://app.example.com'])
    assert.deepEqual(run([], { LOSANT_EMULATOR_CORS_ORIGINS: 'http://127.0.0.1:3000' }).corsOrigins, ['http://127.0.0.1:3000'])
    assert.equal(run([]).allowedHosts, undefined)
    assert.equal(run([]).corsOrigins, undefined)
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--allowed-hosts', 'emulator:8080'], {}, /^--allowed-hosts: "emulator:8080" is not a host name: give the name alone, without a scheme, port or path \(e\.g\. emulator\.example\.com\)$/],
      [[], { LOSANT_EMULATOR_ALLOWED_HOSTS: 'http://emu.example.com' }, /^LOSANT_EMULATOR_ALLOWED_HOSTS: "http:\/\/emu\.example\.com" is not a host name/],
      [['--allowed-hosts', 'a b'], {}, /^--allowed-hosts: "a b" is not a host name \(letters, digits/],
      [['--cors-origins', 'localhost:5173'], {}, /^--cors-origins: "localhost:5173" is not an http or https origin$/],
      [['--cors-origins', 'example.com'], {}, /^--cors-origins: "example.com" is not an origin: write scheme:\/\/host\[:port\]/],
      [['--cors-origins', 'http://localhost:5173/app'], {}, /^--cors-origins: "http:\/\/localhost:5173\/app" is not an origin: write scheme:\/\/host\[:port\] alone, without a path/],
      [[], { LOSANT_EMULATOR_CORS_ORIGINS: 'null' }, /^LOSANT_EMULATOR_CORS_ORIGINS: "null" cannot be allowed: every sandboxed frame and local file sends Origin: null$/],
      [['--cors-origins', '*'], {}, /^--cors-origins: "\*" cannot be allowed: list the origins/]
    ]
    for (const [argv, env, message] of cases) {
      assert.throws(() => parseCommand(argv, env), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'), `${argv.join(' ')} ${JSON.stringify(env)}`)
    }
  })

  test('--help and --version, -h and -v', () => {
    assert.deepEqual(parseCommand(['--help'], {}), { kind: 'help' })
    assert.deepEqual(parseCommand(['-h'], {}), { kind: 'help' })
    assert.deepEqual(parseCommand(['--version'], {}), { kind: 'version' })
    assert.deepEqual(parseCommand(['-v'], {}), { kind: 'version' })
    for (const option of OPTIONS) assert.ok(helpText().includes(`--${option.flag}`), option.flag)
  })
})
