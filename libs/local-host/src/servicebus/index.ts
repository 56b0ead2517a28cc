export {
  startServiceBusSource,
  type ServiceBusSource,
  type ServiceBusSourceOptions,
} from './servicebus-source.js';
