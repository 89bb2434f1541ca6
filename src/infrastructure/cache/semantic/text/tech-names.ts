/**
 * Known technology names (languages, runtimes, databases, clouds, frameworks, tools, models) and
 * their aliases. The verifier treats these as named entities even when written in lowercase
 * ("how do i use redis"), and aliases let "k8s" match "Kubernetes". Keys are lowercase with
 * non-alphanumerics removed; each group's first name is canonical.
 */

const ALIAS_GROUPS: ReadonlyArray<readonly string[]> = [
  ['javascript', 'js', 'ecmascript'], ['typescript', 'ts'], ['python', 'py', 'python3', 'cpython'],
  ['golang', 'go'], ['rust', 'rustlang'], ['csharp', 'c#', 'dotnet', '.net'], ['cpp', 'c++'], ['java'], ['kotlin'],
  ['swift'], ['ruby'], ['php'], ['scala'], ['haskell'], ['elixir'], ['erlang'], ['clojure'], ['perl'], ['lua'],
  ['dart'], ['zig'], ['julia'], ['bash', 'shell'], ['powershell'], ['sql'], ['graphql'], ['wasm', 'webassembly'],
  ['nodejs', 'node', 'node.js'], ['deno'], ['bun'], ['npm'], ['yarn'], ['pnpm'], ['pip'], ['conda'], ['poetry'],
  ['cargo'], ['maven'], ['gradle'], ['webpack'], ['vite'], ['esbuild'], ['babel'], ['eslint'], ['prettier'],
  ['react', 'reactjs'], ['vue', 'vuejs'], ['angular'], ['svelte'], ['nextjs', 'next.js'], ['nuxt'], ['express', 'expressjs'],
  ['fastify'], ['nestjs'], ['django'], ['flask'], ['fastapi'], ['rails'], ['spring', 'springboot'], ['laravel'],
  ['tokio'], ['actix'], ['axum'], ['serde'], ['postgresql', 'postgres', 'psql', 'pg'], ['mysql'], ['mariadb'],
  ['sqlite', 'sqlite3'], ['mongodb', 'mongo'], ['redis'], ['memcached'], ['cassandra'], ['dynamodb'],
  ['elasticsearch', 'elastic'], ['opensearch'], ['kafka'], ['rabbitmq'], ['nats'], ['clickhouse'], ['snowflake'],
  ['bigquery'], ['qdrant'], ['pinecone'], ['milvus'], ['weaviate'], ['chroma', 'chromadb'], ['faiss'],
  ['docker'], ['podman'], ['kubernetes', 'k8s', 'kube'], ['helm'], ['terraform'], ['ansible'], ['pulumi'],
  ['nginx'], ['apache'], ['caddy'], ['haproxy'], ['envoy'], ['istio'], ['prometheus'], ['grafana'], ['jaeger'],
  ['opentelemetry', 'otel'], ['datadog'], ['sentry'], ['jenkins'], ['github'], ['gitlab'], ['bitbucket'], ['git'],
  ['aws', 'amazon web services'], ['gcp', 'google cloud'], ['azure'], ['s3'], ['ec2'], ['lambda'], ['cloudflare'],
  ['vercel'], ['netlify'], ['heroku'], ['linux'], ['ubuntu'], ['debian'], ['fedora'], ['centos'], ['alpine'],
  ['windows'], ['macos', 'osx'], ['ios'], ['android'], ['chrome'], ['firefox'], ['safari'],
  ['pytorch', 'torch'], ['tensorflow', 'tf'], ['jax'], ['keras'], ['numpy', 'np'], ['pandas', 'pd'], ['scipy'],
  ['sklearn', 'scikitlearn', 'scikit-learn'], ['huggingface', 'hf', 'hugging face', '🤗'], ['transformers'],
  ['diffusers'], ['gradio'], ['streamlit'], ['jupyter'], ['arrow', 'pyarrow'], ['parquet'], ['spark', 'pyspark'],
  ['dask'], ['ray'], ['polars'], ['openai'], ['anthropic'], ['gemini'], ['claude'], ['gpt4', 'gpt-4'],
  ['gpt35', 'gpt-3.5'], ['llama'], ['mistral'], ['ollama'], ['langchain'], ['llamaindex'], ['cuda'], ['gpu'],
  ['cpu'], ['tpu'], ['json'], ['yaml', 'yml'], ['toml'], ['xml'], ['csv'], ['protobuf'], ['grpc'], ['http'],
  ['https'], ['http2'], ['websocket', 'websockets'], ['tcp'], ['udp'], ['dns'], ['tls', 'ssl'], ['ssh'], ['oauth'],
  ['jwt'], ['cors'], ['rest'], ['api'], ['cli'], ['vscode', 'vs code'], ['vim'], ['emacs'], ['intellij'],
  ['webgpu'], ['opengl'], ['vulkan'], ['unity'], ['unreal'], ['wordpress'], ['stripe'], ['twilio'], ['slack'],
  ['discord'], ['supabase'], ['firebase'], ['prisma'], ['kysely'], ['sqlalchemy'], ['hibernate'], ['vitest'],
  ['jest'], ['mocha'], ['pytest'], ['junit'], ['selenium'], ['playwright'], ['cypress'], ['celery'],
  ['sidekiq'], ['airflow'], ['dbt'], ['mlflow'], ['wandb'], ['onnx'], ['tensorrt'], ['triton'], ['vllm'],
  ['flink'], ['beam'], ['hadoop'], ['hive'], ['presto'], ['trino'], ['avro'], ['orc'], ['duckdb'], ['cockroachdb'],
  ['timescaledb'], ['influxdb'], ['neo4j'], ['couchdb'], ['etcd'], ['consul'], ['vault'], ['zookeeper'], ['pulsar'],
  ['loki'], ['fluentd'], ['logstash'], ['kibana'], ['splunk'], ['newrelic'], ['pagerduty'], ['argocd'], ['fluxcd'],
  ['circleci'], ['travisci'], ['openshift'], ['rancher'], ['nomad'], ['openstack'], ['proxmox'], ['vmware'],
  ['virtualbox'], ['vagrant'], ['packer'], ['chef'], ['puppet'], ['saltstack'], ['cloudformation'], ['cdk'],
  ['gcs'], ['ecs'], ['eks'], ['gke'], ['aks'], ['fargate'], ['cloudrun'], ['bigtable'], ['spanner'], ['firestore'],
  ['cosmosdb'], ['redshift'], ['athena'], ['glue'], ['emr'], ['sagemaker'], ['vertexai'], ['bedrock'],
  ['opencv'], ['spacy'], ['nltk'], ['xgboost'], ['lightgbm'], ['catboost'], ['cupy'], ['numba'], ['cython'],
  ['pydantic'], ['uvicorn'], ['gunicorn'], ['werkzeug'], ['jinja'], ['htmx'], ['tailwind', 'tailwindcss'],
  ['bootstrap'], ['jquery'], ['redux'], ['zustand'], ['graphene'], ['apollo'], ['hasura'], ['nginxunit'],
  ['traefik'], ['kong'], ['linkerd'], ['cilium'], ['calico'], ['wireguard'], ['openvpn'], ['letsencrypt'],
  ['certbot'], ['openssl'], ['gpg', 'gnupg'], ['bcrypt'], ['argon2'], ['keycloak'], ['auth0'], ['okta'],
  ['solr'], ['annoy'], ['hnswlib'], ['lancedb'], ['pgvector'], ['cohere'], ['mistralai'], ['groq'], ['bert'],
  ['gpt2', 'gpt-2'], ['t5'], ['whisper'], ['stablediffusion'], ['lora'], ['qlora'], ['gptq'], ['gguf'],
  ['torchvision'], ['torchaudio'], ['kornia'], ['albumentations'], ['fsspec'], ['boto3'], ['axios'], ['reqwest'],
  ['hyper'], ['wget'], ['curl'], ['iptables'], ['nftables'], ['systemd'], ['cron'], ['logrotate'], ['tmux'],
];

const CANONICAL_BY_KEY = new Map<string, string>();
for (const group of ALIAS_GROUPS) {
  const canonical = entityKey(group[0]!);
  for (const name of group) {
    const key = entityKey(name);
    if (key.length > 0 && !CANONICAL_BY_KEY.has(key)) CANONICAL_BY_KEY.set(key, canonical);
  }
}

/** Lowercase, alphanumerics only (keeps `#`, `+` and 🤗 so C#, C++ and the emoji survive). */
export function entityKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9#+🤗]/gu, '');
}

/** The canonical name for a known technology key (already passed through `entityKey`), if any. */
export function canonicalTechName(key: string): string | undefined {
  return CANONICAL_BY_KEY.get(key);
}

/** Whether a key is a known technology name or alias. */
export function isTechName(key: string): boolean {
  return CANONICAL_BY_KEY.has(key);
}

/**
 * Names that are also ordinary English words ("go", "express", "swift", "rest", "node"): they
 * count as entities only when written capitalised or as code, never in running lowercase text.
 */
export const AMBIGUOUS_TECH_WORDS: ReadonlySet<string> = new Set([
  'go', 'express', 'swift', 'rest', 'shell', 'node', 'spring', 'lambda', 'arrow', 'ray', 'unity', 'elastic',
  'dart', 'chroma', 'helm', 'poetry', 'cargo', 'bun', 'torch', 'triton', 'apache', 'rails', 'jest', 'mocha',
  'celery', 'stripe', 'slack', 'julia', 'ruby', 'ts', 'tf', 'pd', 'np', 'pg', 'py', 'kube',
  'transformers', 'diffusers', 'snowflake', 'lua', 'safari', 'windows', 'unreal', 'vim', 'caddy', 'beam',
  'hive', 'orc', 'vault', 'consul', 'chef', 'puppet', 'packer', 'glue', 'athena', 'bedrock', 'apollo', 'kong',
  'hyper', 'spanner', 'bootstrap', 'whisper', 'pulsar', 'loki', 'nomad', 'calico', 'lora', 'graphene', 'presto',
  'spring',
]);

/**
 * Generic technical nouns: they name a format or layer rather than a product, so a question that
 * adds or drops one ("… through an API") is weighed as a key term, not rejected outright. A swap
 * (JSON in one question, YAML in the other) is still an entity difference.
 */
export const GENERIC_TECH_NOUNS: ReadonlySet<string> = new Set([
  'api', 'cli', 'http', 'https', 'rest', 'gpu', 'cpu', 'tpu', 'sql', 'tcp', 'udp', 'dns', 'tls', 'ssh', 'cors', 'jwt',
  'oauth', 'websocket', 'http2', 'url', 'uri', 'ui', 'os', 'vm', 'db', 'id',
]);
