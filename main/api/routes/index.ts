/** The partner API's routes, one module per resource; each translates and calls a service. */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import type { FastDoor } from '../fast-door.ts';
import { withZod, type RouteOptions } from './common.ts';
import { registerDocs } from './docs.ts';
import { registerHandout } from './handout.ts';
import { registerMe } from './me.ts';
import { registerOffers } from './offers.ts';
import { registerPostbacks } from './postbacks.ts';
import { registerReports } from './reports.ts';
import { registerRows } from './rows.ts';
import { registerSchema } from './schema.ts';
import { registerStats } from './stats.ts';
import { registerMcp } from '../mcp.ts';

export type { RouteOptions };

export function registerRoutes(
  root: FastifyInstance,
  core: Core,
  door: FastDoor,
  o: RouteOptions,
): void {
  const context = { app: withZod(root), root, core, door, o };
  registerDocs(context);
  registerMe(context);
  registerReports(context);
  registerSchema(context);
  registerStats(context);
  registerRows(context);
  registerOffers(context);
  registerPostbacks(context);
  registerMcp(context);
  registerHandout(context);
}
