import type { ClientKind } from '../../common/model/agent.ts';
import type { AckFrame, IngestEvent, TerminalFrame } from '../../common/protocol/frames.ts';

/** What a connection asks of the engine; implemented in create-engine, so transports stay thin. */
export interface EndpointHandler {
  /**
   * `received` is exactly what arrived (the socket frame line or the HTTP body): it is what gets stored
   * and sealed, so the evidence is the agent's bytes, not our re-serialization of them.
   */
  ingest(event: IngestEvent, client: ClientKind, received: Received): Promise<Omit<AckFrame, 'type' | 'id'>>;
  control(method: string, params: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** A terminal frame from `aev run`; `connection` identifies who opened the terminal. Answers once durable. */
  terminal(frame: TerminalFrame, connection: object): Promise<unknown>;
  /** A connection closed: terminals it opened end. */
  disconnected(connection: object): void;
  readonly serverName: string;
}

export interface Received {
  readonly transport: 'socket-frame' | 'http-body';
  readonly bytes: Buffer;
}

export interface EndpointCounters {
  connections: number;
  rejectedFrames: number;
}
