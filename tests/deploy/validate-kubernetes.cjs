#!/usr/bin/env node
// Validates Kubernetes manifests without a cluster, as strictly as
// `kubectl apply --validate=strict` would: every document against the API
// schema of its kind (kubernetes-models), no field the schema does not know,
// plus what the API server or the pod would only reject later (a volume
// mount without its volume, a ConfigMap, Secret or claim that none of the
// given files defines) and what mailferry's manifests promise (non-root,
// read-only root, resource bounds, `--shard K/N` matching the Indexed Job).
//
// Usage: node validate-kubernetes.cjs FILE...
// Prints one line per problem; exit status 0 when there is none, 1 otherwise.
'use strict';

const fs = require('fs');
const YAML = require('yaml');

// The model class of apiVersion + kind: "batch/v1" + "Job" is
// kubernetes-models/batch/v1's Job.
function modelClass(apiVersion, kind) {
    if (typeof apiVersion !== 'string' || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) {
        return undefined;
    }
    let group;
    try {
        group = require(`kubernetes-models/${apiVersion}`);
    } catch {
        return undefined;
    }
    const cls = Object.prototype.hasOwnProperty.call(group, kind) ? group[kind] : undefined;
    return typeof cls === 'function' ? cls : undefined;
}

// A view of `value` that records the JSON pointer of every own property read.
// The schema validators read each property their schema defines (and every
// entry of a map), so whatever a passing validation never read is a field
// the schema does not know.
function recording(value, pointer, read) {
    if (value === null || typeof value !== 'object') {
        return value;
    }
    return new Proxy(value, {
        get(target, key, receiver) {
            if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) {
                read.add(`${pointer}/${key}`);
                return recording(target[key], `${pointer}/${key}`, read);
            }
            return Reflect.get(target, key, receiver);
        },
    });
}

function unreadFields(value, pointer, read, out) {
    if (value === null || typeof value !== 'object') {
        return out;
    }
    for (const key of Object.keys(value)) {
        const child = `${pointer}/${key}`;
        if (!read.has(child)) {
            out.push(child);
        } else {
            unreadFields(value[key], child, read, out);
        }
    }
    return out;
}

function schemaProblems(doc) {
    const Model = modelClass(doc.apiVersion, doc.kind);
    if (!Model) {
        return [`unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`];
    }
    try {
        new Model(doc).validate();
    } catch (e) {
        return [`schema: ${e.message}`];
    }
    const read = new Set(['/apiVersion', '/kind']);
    Model.prototype.validate.call(recording(doc, '', read));
    return unreadFields(doc, '', read, []).map((p) => `unknown field ${p}`);
}

// [pointer, pod spec] of every pod a document makes.
function podSpecs(doc) {
    const spec = doc.spec || {};
    if (doc.kind === 'Pod') {
        return [['/spec', spec]];
    }
    if (doc.kind === 'CronJob') {
        const template = ((spec.jobTemplate || {}).spec || {}).template;
        return template ? [['/spec/jobTemplate/spec/template/spec', template.spec || {}]] : [];
    }
    if (spec.template) {
        return [['/spec/template/spec', spec.template.spec || {}]];
    }
    return [];
}

function podProblems(doc, defined) {
    const problems = [];
    for (const [at, pod] of podSpecs(doc)) {
        const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
        for (const [name, volume] of volumes) {
            const refs = [
                ['ConfigMap', (volume.configMap || {}).name],
                ['Secret', (volume.secret || {}).secretName],
                ['PersistentVolumeClaim', (volume.persistentVolumeClaim || {}).claimName],
            ];
            for (const [kind, ref] of refs) {
                if (ref !== undefined && !defined.has(`${kind}/${ref}`)) {
                    problems.push(`${at}/volumes ${name}: ${kind} ${ref} is in none of the files`);
                }
            }
        }
        const podSecurity = pod.securityContext || {};
        if (podSecurity.runAsNonRoot !== true) {
            problems.push(`${at}/securityContext/runAsNonRoot must be true`);
        }
        (pod.containers || []).forEach((c, i) => {
            const here = `${at}/containers/${i}`;
            for (const mount of c.volumeMounts || []) {
                if (!volumes.has(mount.name)) {
                    problems.push(`${here}/volumeMounts ${mount.name}: no such volume`);
                }
            }
            if (((c.securityContext || {}).readOnlyRootFilesystem) !== true) {
                problems.push(`${here}/securityContext/readOnlyRootFilesystem must be true`);
            }
            const resources = c.resources || {};
            for (const part of ['requests', 'limits']) {
                for (const what of ['cpu', 'memory']) {
                    if (!(resources[part] || {})[what]) {
                        problems.push(`${here}/resources/${part}/${what} must be set`);
                    }
                }
            }
        });
    }
    return problems;
}

// An Indexed Job's pods each run one shard: --shard $(JOB_COMPLETION_INDEX)/N
// with N = completions, or some jobs would never run (or run twice).
function shardProblems(doc) {
    const spec = doc.spec || {};
    if (doc.kind !== 'Job' || spec.completionMode !== 'Indexed') {
        return [];
    }
    const problems = [];
    if (spec.parallelism !== spec.completions) {
        problems.push('/spec: parallelism must equal completions (one pod per shard at once)');
    }
    for (const [at, pod] of podSpecs(doc)) {
        (pod.containers || []).forEach((c, i) => {
            const argv = [...(c.command || []), ...(c.args || [])];
            const at_shard = argv.indexOf('--shard');
            const value = at_shard >= 0 ? argv[at_shard + 1] : undefined;
            const expected = `$(JOB_COMPLETION_INDEX)/${spec.completions}`;
            if (value !== expected) {
                problems.push(`${at}/containers/${i}: --shard is ${value}, expected ${expected}`);
            }
        });
    }
    return problems;
}

function main(files) {
    if (files.length === 0) {
        console.error('usage: validate-kubernetes.cjs FILE...');
        return 2;
    }
    const documents = [];
    let problems = 0;
    const report = (where, message) => {
        console.log(`${where}: ${message}`);
        problems += 1;
    };
    for (const file of files) {
        const parsed = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
        parsed.forEach((d, i) => {
            const where = `${file}: document ${i + 1}`;
            if (d.errors.length > 0) {
                d.errors.forEach((e) => report(where, `YAML: ${e.message}`));
                return;
            }
            const doc = d.toJS();
            if (doc === null || typeof doc !== 'object') {
                report(where, 'not a Kubernetes object');
                return;
            }
            documents.push([`${where} (${doc.kind} ${(doc.metadata || {}).name})`, doc]);
        });
    }
    const defined = new Set(documents.map(([, doc]) => `${doc.kind}/${(doc.metadata || {}).name}`));
    for (const [where, doc] of documents) {
        for (const problem of schemaProblems(doc)) {
            report(where, problem);
        }
        for (const problem of [...podProblems(doc, defined), ...shardProblems(doc)]) {
            report(where, problem);
        }
    }
    console.log(`${documents.length} document(s), ${problems} problem(s)`);
    return problems === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
