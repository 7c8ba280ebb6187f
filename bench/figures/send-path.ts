// Figure 1, the send path: sendMessage requests per second at saturation (autocannon), gateway ÷ echo-yoga. The
// gateway sends created drafts (made beforehand, untimed) as group messages into a 10-member group nobody is
// subscribed to, so the figure is the request path alone: auth, validation, one store transaction, publish.
import autocannon from 'autocannon';
import { GATEWAY_SEND } from '../clients';
import { atLeast, fmt, profiled, start, users, type BenchEnv, type FigureResult } from '../figure';
import { userSig } from '../keys';
import { cpuSeconds, type ServerHandle } from '../servers';
import { SENDER } from '../server-under-test';
import { median } from '../stats';

interface Run {
  requestsPerSecond: number;
  cpuMsPerRequest: number;
  bad: number;
  total: number;
  exhausted: boolean;
}

async function cannon(server: ServerHandle, seconds: number, connections: number, ids?: string[]): Promise<Run> {
  let i = 0;
  let bad = 0;
  const u0 = await server.usage();
  let exhausted = false;
  const body = (id: string) => JSON.stringify({ query: GATEWAY_SEND, variables: { id, groupID: 'send-path' } });
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig(SENDER)}` },
    requests: [
      {
        setupRequest: (req) => {
          if (ids && i >= ids.length) exhausted = true;
          return { ...req, body: body(ids ? ids[Math.min(i++, ids.length - 1)]! : `created_temp_id-echo${i++}`) };
        },
        onResponse: (status, text) => {
          if (status !== 200 || !text.includes('"code":0')) bad++;
        },
      },
    ],
  });
  const u1 = await server.usage();
  const total = result['2xx'] - bad;
  return {
    requestsPerSecond: total / result.duration,
    cpuMsPerRequest: (cpuSeconds(u0, u1) * 1000) / result.requests.total,
    bad: bad + result.errors + result.non2xx,
    total,
    exhausted,
  };
}

export async function sendPath(env: BenchEnv): Promise<FigureResult> {
  const { seconds, connections } = env.profile.sendPath;
  const [gateway, echo] = await Promise.all([start(env, 'gateway'), start(env, 'echo-yoga')]);
  try {
    await gateway.call('group', { groupId: 'send-path', groupType: 'Work', owner: SENDER, members: users('p', 9) });
    const drafts = (n: number) =>
      gateway.call<string[]>('drafts', { sender: SENDER, texts: Array.from({ length: n }, (_, k) => `p${k}`) });
    // Warm-up, which also sizes the draft supply: a reused id would take the cheaper idempotent-retry path.
    const warm = await cannon(
      gateway,
      Math.min(1, seconds),
      connections,
      await drafts(Math.min(20_000, 2500 * connections)),
    );
    await cannon(echo, Math.min(1, seconds), connections);
    let supply = Math.max(2000, Math.ceil(warm.requestsPerSecond * seconds * 3));
    const rounds: { gateway: Run; echo: Run }[] = [];
    for (let r = 0; r < env.profile.sendPath.rounds; r++) {
      let g: Run;
      // A round that ran out of drafts measured some cheap retries: run it again with twice the supply.
      for (let attempt = 0; ; attempt++) {
        const ids = await drafts(supply);
        g = await profiled(env, gateway, `fig1-r${r + 1}`, () => cannon(gateway, seconds, connections, ids));
        if (!g.exhausted || attempt === 2) break;
        supply *= 2;
      }
      const e = await profiled(env, echo, `fig1-r${r + 1}`, () => cannon(echo, seconds, connections));
      rounds.push({ gateway: g, echo: e });
      env.log(
        `  round ${r + 1}: gateway ${fmt(g.requestsPerSecond)} req/s (${fmt(g.cpuMsPerRequest, 3)} ms CPU each), echo-yoga ${fmt(e.requestsPerSecond)} req/s (${fmt(e.cpuMsPerRequest, 3)} ms)`,
      );
    }
    const ratio = median(rounds.map((r) => r.gateway.requestsPerSecond / r.echo.requestsPerSecond));
    const cpuRatio = median(rounds.map((r) => r.echo.cpuMsPerRequest / r.gateway.cpuMsPerRequest));
    const bad = rounds.reduce((n, r) => n + r.gateway.bad + r.echo.bad, 0);
    const exhausted = rounds.filter((r) => r.gateway.exhausted).length;
    return {
      figure: 1,
      title: 'Send path (sendMessage req/s at saturation)',
      ratios: [
        { label: 'gateway ÷ echo-yoga', value: ratio, ...atLeast(0.8)(ratio) },
        { label: 'gateway ÷ echo-yoga, requests per server CPU-second', value: cpuRatio, goal: '—', met: true },
      ],
      detail:
        `gateway ${fmt(median(rounds.map((r) => r.gateway.requestsPerSecond)))} req/s at ${fmt(median(rounds.map((r) => r.gateway.cpuMsPerRequest)), 3)} ms CPU each, ` +
        `echo-yoga ${fmt(median(rounds.map((r) => r.echo.requestsPerSecond)))} req/s at ${fmt(median(rounds.map((r) => r.echo.cpuMsPerRequest)), 3)} ms CPU each, ` +
        `${connections} connections` +
        (bad ? `; ${bad} failed requests` : '') +
        (exhausted ? `; ${exhausted} rounds ran out of drafts` : ''),
      correctness: {},
      rounds,
    };
  } finally {
    await Promise.all([gateway.stop(), echo.stop()]);
  }
}
