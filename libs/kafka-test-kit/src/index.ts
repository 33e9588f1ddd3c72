export * from './kafka-test-kit';
