// Live connections a user holds open in this process, over every transport that keeps one: graphql-ws sockets and
// SSE single-connection streams (/graphql/stream). At most IM_MAX_CONNECTIONS_PER_USER together, so one signed-in
// client cannot hold sockets without bound by switching transport. An SSE subscription over distinct connections
// is one request per operation and counts against IM_MAX_SUBSCRIPTIONS_PER_USER instead (the router).
export class Connections {
  private readonly open = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Counts one more connection of `user`; false, counting nothing, when he already holds `max`. */
  take(user: string): boolean {
    const n = this.open.get(user) ?? 0;
    if (n >= this.max) return false;
    this.open.set(user, n + 1);
    return true;
  }

  release(user: string): void {
    const n = (this.open.get(user) ?? 1) - 1;
    if (n > 0) this.open.set(user, n);
    else this.open.delete(user);
  }

  refusal(): string {
    return `Too many connections: at most ${this.max} per user.`;
  }
}
