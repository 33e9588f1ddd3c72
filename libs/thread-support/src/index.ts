export * from './giving-way';
export * from './request-thread';
export * from './thread-or-here';
export * from './worker-module';
