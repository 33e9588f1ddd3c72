export * from './outbox/notification-outbox.port';
export * from './outbox/sqlite-notification-outbox';
export * from './outbox/postgres-notification-outbox';
export * from './outbox/notification-envelope';
export * from './notifier/notifier';
export * from './notifier/notification-scan';
export * from './notifier/notification-feed';
export * from './webhooks/webhook-dispatcher';
export * from './webhooks/webhook-endpoints';
export * from './kafka/kafka-notification-publisher';
export * from './sinks/notification-sinks';
export * from './notifications.module';
export type {
  RegisteredEndpoint,
  EndpointList,
  EndpointSummary,
  SecretRotation,
  DeliveryLog,
  ResendResponse,
  NotificationFeedPage,
  ScanResponse,
} from './http/notifications.http-controller';
