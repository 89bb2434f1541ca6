import type { Domain } from '../../core/research.js';
import { buildLexicon, type Rule } from './rule.js';

/**
 * Technology names per domain, matched against query tokens and bigrams. Strong identifiers
 * (a crate, a tool) weigh 2; words shared with other domains (`session`, `model`) weigh less.
 */
export const DOMAIN_LEXICON = buildLexicon<Domain>([
  // Naming the language outweighs naming a concept it shares with other domains.
  { label: 'rust', weight: 3.5, terms: 'rust' },
  { label: 'python', weight: 3.5, terms: 'python' },
  { label: 'general', weight: 3.0, terms: 'java,jvm' },
  {
    label: 'rust', weight: 2.5,
    terms: 'rustc,cargo,crate,crates,tokio,async-std,axum,actix,actix-web,serde,serde_json,simd-json,clippy,rustup,sqlx,diesel,clap,bindgen,thiserror,anyhow,refcell,borrow checker,lifetimes,lifetime,cargo.toml,cargo.lock,typestate,rayon,hyper,tonic,wasm-bindgen,no_std,trait objects,impl trait,dyn,e0502,e0499,e0382,e0597',
  },
  { label: 'rust', weight: 1.0, terms: 'borrow,unwrap,rc,arc,vec,pin,trait,traits,macro,macros,derive,&str,box,ownership,rwlock' },
  {
    label: 'web', weight: 2.0,
    terms: 'react,vue,svelte,angular,next.js,nextjs,remix,javascript,typescript,node,node.js,nodejs,npm,yarn,pnpm,express,webpack,vite,css,html,dom,browser,frontend,front-end,cors,graphql,websocket,websockets,server-sent,tailwind,jest,vitest,hydration,usememo,useeffect,usestate,spa,chrome extension,safari,cloudflare workers,zod,io-ts,tanstack,v8,htmx,react query,dataloader,eslint,prettier,http/2,localstorage,auth.js',
  },
  { label: 'web', weight: 1.0, terms: 'rest,api,endpoint,endpoints,http,cookie,cookies,hook,page,site,website,dashboard,chrome,sse,json,web,ui,component,lambda' },
  {
    label: 'devops', weight: 2.0,
    terms: 'kubernetes,k8s,kubectl,pod,pods,helm,kustomize,docker,dockerfile,container,containers,docker compose,terraform,pulumi,ansible,ci,ci/cd,github actions,gitlab ci,jenkins,nginx,envoy,ingress,istio,service mesh,prometheus,grafana,datadog,argo,gitops,cronjob,hpa,replicas,crashloopbackoff,oomkilled,kafka,rabbitmq,git,rebase,observability,infrastructure,etcd,spot instances,runners,deployments,deployment,blue-green,alerting,liveness',
  },
  { label: 'devops', weight: 1.0, terms: 'deploy,pipeline,monitoring,aws,s3,vm,vms,cluster,scaling,logs,bash,cron,systemd,incident' },
  {
    label: 'ai', weight: 2.0,
    terms: 'llm,llms,gpt,gpt-2,gpt-4,gpt-4o-mini,openai,anthropic,claude,llama,embedding,embeddings,rag,langchain,llamaindex,fine-tune,fine-tuning,fine-tuned,lora,transformer,transformers,attention,pytorch,jax,tensorflow,cuda,bert,hugging face,neural network,gradient descent,rlhf,tokenization,prompt,prompt injection,hallucinate,agent,tool use,function calling,vllm,triton,torchserve,quantize,inference,hnsw,faiss,sentence-transformers,supervised,chatbot,semantic caching,vector database,ivf-pq,machine learning,ml,vram,qdrant',
  },
  { label: 'ai', weight: 1.0, terms: 'model,models,training,loss,dataset,vector,vectors,gpu,accuracy,cosine similarity,decoding' },
  {
    label: 'database', weight: 2.0,
    terms: 'postgres,postgresql,mysql,sqlite,mongodb,redis,memcached,sql,mvcc,wal,vacuum,autovacuum,replica,replication,sharding,shard,cockroachdb,timescaledb,influxdb,clickhouse,elasticsearch,opensearch,typesense,cassandra,prisma,orm,kysely,pg_dump,materialized view,tsvector,pgvector,joins,primary key,primary keys,b-tree,cap theorem,eventual consistency,database,databases,db,isolation levels,keyset pagination,for update,event sourcing,normalisation,normalization,query planner',
  },
  { label: 'database', weight: 1.0, terms: 'query,queries,index,indexes,table,tables,schema,transaction,transactions,select,uuid,uuidv4,consistency,rows,row' },
  {
    label: 'systems', weight: 2.0,
    terms: 'linux,kernel,c,c++,cpp,pthreads,fork,mmap,epoll,io_uring,syscall,syscalls,ebpf,segfault,segmentation fault,valgrind,allocator,memory ordering,atomics,seqcst,acquire,lock-free,cpu,page cache,tcp,time_wait,ephemeral ports,file descriptors,open files,oom killer,undefined behaviour,undefined behavior,int_max,out-of-order,of order,init system,consistent hashing,assembly,-o2,double-checked locking,spsc,systems programming',
  },
  { label: 'systems', weight: 0.8, terms: 'process,processes,thread,threads,instructions,memory,mutex,concurrency,concurrently,atomic,cache,caches,buffer,files,proxy,userspace' },
  {
    label: 'security', weight: 2.0,
    terms: 'security,secure,authentication,authorization,jwt,jwts,oauth,oauth2,pkce,password,passwords,argon2,argon2id,bcrypt,tls,ssl,certificate,certificates,csrf,xss,csp,owasp,vulnerability,vulnerabilities,zero-day,side-channel,spectre,encryption,cryptography,public-key,hmac,hmac-sha256,secrets,vault,pentest,samesite,brute-force,fail2ban,sast,injection,mtls,mutual tls,credentials,md5,sha-256,hash collision,https,mbedtls,wolfssl,attack,exploit,exploitable',
  },
  { label: 'security', weight: 1.0, terms: 'auth,session,sessions,api key,api keys,hashing,token,tokens,login,signing' },
  {
    label: 'python', weight: 2.0,
    terms: 'pip,pandas,polars,numpy,numba,django,flask,fastapi,celery,rq,dramatiq,poetry,uv,pip-tools,pyproject.toml,asyncio,gil,decorator,decorators,generators,pytest,virtualenv,venv,jupyter,beautifulsoup,gunicorn,uvicorn,dataclasses,namedtuples,attrs,ijson,modulenotfounderror,black,autopep8,dicts,groupby,functools,context manager',
  },
  { label: 'python', weight: 1.0, terms: 'requests,scraping,async,coroutines,dict,except' },
  {
    label: 'general', weight: 1.5,
    terms: 'big-o,algorithm,algorithms,design pattern,dependency injection,monorepo,binary search,trie,merkle,feature flags,percentile,nx,code review,data structure',
  },
]);

/** Shapes that identify a domain where a single word cannot (compiler error codes, paths). */
export const DOMAIN_RULES: readonly Rule<Domain>[] = [
  { label: 'rust', name: 'shape:rustc error code', weight: 2.5, pattern: /\berror\[e\d{4}\]/ },
  { label: 'rust', name: 'shape:.rs path', weight: 2.0, pattern: /\w\.rs:\d+/ },
  { label: 'rust', name: 'shape:Rust generics', weight: 1.5, original: true, pattern: /\b(?:Arc|Rc|Box|Vec|RefCell|Mutex|RwLock|Option|Result)<|&mut\b|&'[a-z]|\bimpl [A-Z]/ },
  { label: 'python', name: 'shape:.py path', weight: 2.0, pattern: /\w\.py:\d+|\bpip install\b/ },
  { label: 'general', name: 'shape:Java stack frame', weight: 2.0, original: true, pattern: /\bjava\.lang\.|\.java:\d+/ },
];

/** Score `general` starts with, so it wins only when no technology is named. */
export const GENERAL_DOMAIN_PRIOR = 1.0;
