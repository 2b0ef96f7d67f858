import type { ClientKind } from '../../common/model/agent.ts';
import type { AckFrame, IngestEvent } from '../../common/protocol/frames.ts';

/** What a connection asks of the engine; implemented in create-engine, so transports stay thin. */
export interface EndpointHandler {
  ingest(event: IngestEvent, client: ClientKind): Promise<Omit<AckFrame, 'type' | 'id'>>;
  control(method: string, params: Readonly<Record<string, unknown>>): Promise<unknown>;
  readonly serverName: string;
}

export interface EndpointCounters {
  connections: number;
  rejectedFrames: number;
}
