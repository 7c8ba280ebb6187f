// The shape every server under test takes inside its child process (bench/server-child.ts), so the harness can
// drive the gateway and the three baselines the same way.

export type ServerKind = 'gateway' | 'raw-ws' | 'naive-yoga' | 'echo-yoga';

export interface ServerUnderTest {
  port: number;
  /** Open live subscriptions: router streams, pubsub iterators or subscribed sockets. */
  subscriptions(): number;
  /** Set-up requests the harness makes over IPC (groups, drafts), outside every measurement. */
  commands: Record<string, (args: any) => unknown>;
  stop(): Promise<void>;
}

/** The user that sends in every fan-out figure; a member of each group, never online. */
export const SENDER = 'sender';
