/** A deterministic generator of distinct developer questions, shared by the semantic-lookup benches. */

let seed = 42;
export const random = () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const VERBS = ['install', 'configure', 'debug', 'deploy', 'monitor', 'upgrade', 'secure', 'profile', 'test', 'benchmark',
  'migrate', 'back up', 'restore', 'scale', 'tune', 'log', 'cache', 'index', 'serialize', 'parse', 'validate', 'mock',
  'containerize', 'package', 'document', 'lint', 'format', 'compile', 'bundle', 'optimize', 'encrypt', 'compress',
  'stream', 'paginate', 'authenticate', 'rate limit', 'shard', 'replicate', 'observe', 'trace'];
const OBJECTS = ['a REST API', 'a background worker', 'a database connection pool', 'a message queue consumer',
  'a CLI tool', 'a web server', 'a cron job', 'a websocket server', 'a GraphQL gateway', 'a static site', 'a data pipeline',
  'a machine learning model', 'a search index', 'a cache layer', 'a file upload service', 'an auth service',
  'a payment webhook', 'a logging agent', 'a metrics exporter', 'a reverse proxy', 'a build script', 'a test suite',
  'a mobile backend', 'a chat bot', 'an email sender', 'a PDF generator', 'an image resizer', 'a job scheduler',
  'a feature flag service', 'a config loader', 'a plugin system', 'a rate limiter', 'a retry policy', 'a circuit breaker',
  'a batch importer', 'a CSV exporter', 'a notification service', 'a session store', 'a vector store', 'a dashboard',
  'a load balancer', 'a DNS resolver', 'a key-value store', 'a tokenizer', 'an ETL job', 'a crawler', 'an SDK',
  'a monorepo', 'a microservice', 'a serverless function'];
const TECH = ['Python', 'Node.js', 'Go', 'Rust', 'Java', 'Kotlin', 'TypeScript', 'Ruby', 'PHP', 'C#', 'Elixir', 'Scala',
  'Django', 'Flask', 'FastAPI', 'Express', 'Fastify', 'NestJS', 'Spring', 'Rails', 'Laravel', 'Next.js', 'Deno', 'Bun',
  'Docker', 'Kubernetes', 'Terraform', 'Ansible', 'AWS Lambda', 'Azure', 'GCP', 'PostgreSQL', 'MySQL', 'SQLite',
  'MongoDB', 'Redis', 'Kafka', 'RabbitMQ', 'Elasticsearch', 'Nginx', 'Prometheus', 'Grafana', 'GitHub Actions',
  'GitLab CI', 'Jenkins', 'PyTorch', 'TensorFlow', 'Spark', 'Airflow', 'Celery', 'Tokio', 'Axum', 'Actix', 'Gin',
  'Echo', 'Phoenix', 'Svelte', 'Vue', 'React', 'Angular'];
const QUALIFIERS = ['', '', '', ' in production', ' on Ubuntu 22.04', ' with Docker Compose', ' behind Nginx', ' on a budget',
  ' for 10,000 users', ' with zero downtime', ' in a monorepo', ' on ARM64', ' with TLS', ' in CI'];

export function generateQuestions(count: number): string[] {
  const seen = new Set<string>();
  const questions: string[] = [];
  while (questions.length < count) {
    const question = `How do I ${pick(VERBS)} ${pick(OBJECTS)} with ${pick(TECH)}${pick(QUALIFIERS)}?`;
    if (seen.has(question)) continue;
    seen.add(question);
    questions.push(question);
  }
  return questions;
}

/** A paraphrase the local embedder and verifier should accept: reworded frame, same content. */
export const paraphrase = (question: string) => question.replace(/^How do I /, 'What is the way to ').replace(/ with /, ' using ');

