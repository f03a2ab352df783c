export { OutboxPublisher, matches, type PublisherOptions, type PublisherStatus } from './publisher.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
export { buildClientOptions, validateKeepalive, Backoff, type MqttSettings } from './connection.js';
export { topics, parseTopic, TOPIC_ROOT, type Receipt, type SkipNotice } from './topics.js';
