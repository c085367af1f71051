import { SqliteInviteStore } from '../dist/src/store/sqlite.js'
import { TokenService } from '../dist/src/auth/tokens.js'
import { Clock } from '../dist/src/clock.js'
const s = new SqliteInviteStore('/tmp/prof.db')
s.createInstance({ id: '5f0000000000000000000001', name: 'x' }); s.createOrg({ instanceId: '5f0000000000000000000001', id: '5f00000000000000000000a1', name: 'y' })
for (let i = 0; i < 50; i++) s.upsertInvite('5f0000000000000000000001', '5f00000000000000000000a1', { id: String(i).padStart(24, '0'), email: `user${i}@example.com`, role: 'view', inviteDate: Date.now() - i, ttl: 1e9, token: 't' + i })
console.log(new TokenService(s.signingKey(), new Clock()).mint({ scope: ['all.Instance'] }).token)
s.close()
