import { intSetting, textSetting, type Env } from '@modelfn/settings';

/**
 * Where the HTTP app keeps its jobs (requests answered 202): the storage account of AzureWebJobsStorage,
 * the queue its job function takes them from and the container holding each job's request and answer;
 * and how long a job's status URL answers (HTTP_JOB_RETENTION_HOURS, at most a year).
 */
export function jobSettings(env: Env = process.env) {
  return {
    connectionSetting: 'AzureWebJobsStorage',
    queue: textSetting(env, 'HTTP_JOB_QUEUE', 'scoring-jobs'),
    container: textSetting(env, 'HTTP_JOB_CONTAINER', 'jobs'),
    retentionHours: intSetting(env, 'HTTP_JOB_RETENTION_HOURS', 24, { min: 1, max: 8760 }),
  };
}
