// bpmnlint in the browser, tuned to what SpiffWorkflow runs and to bpmnpub's deploy rules
// (services/definitions.check_diagram is the authority; these mark the same problems while drawing).
// Left out on purpose: fake-join (a revise loop back into a task is how our diagrams merge, and
// SpiffWorkflow runs it), label-required and the layout rules (style, not correctness).
import startEventRequired from 'bpmnlint/rules/start-event-required';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noDuplicateFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import { getProperty, findExtension } from './spiff.js';

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const is = (node, type) => node && node.$instanceOf && node.$instanceOf(type);

const UNSUPPORTED = {
  'bpmn:ManualTask': 'manualTask',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:CallActivity': 'callActivity',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
};

function lanesOf(process) {
  const ids = new Set();
  let any = false;
  const walk = (laneSet) => {
    for (const lane of (laneSet && laneSet.lanes) || []) {
      any = true;
      for (const ref of lane.flowNodeRef || []) ids.add(ref.id);
      walk(lane.childLaneSet);
    }
  };
  for (const laneSet of process.laneSets || []) walk(laneSet);
  return { any, ids };
}

function processOf(node) {
  let parent = node.$parent;
  while (parent && !is(parent, 'bpmn:Process')) parent = parent.$parent;
  return parent;
}

// Our rules read their data (known roles and forms, messages) from the rule configuration.
const bpmnpubRules = {
  'lane-role': ({ roles, text }) => ({
    check(node, reporter) {
      if (is(node, 'bpmn:Lane') && !roles.includes(node.name || '')) {
        reporter.report(node.id, text('lintLaneRole', { name: node.name || '' }));
      }
    },
  }),
  'in-lane': ({ text }) => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:FlowNode') || is(node, 'bpmn:BoundaryEvent')) return;
      const process = processOf(node);
      if (!process) return;
      const { any, ids } = lanesOf(process);
      if (any && !ids.has(node.id)) reporter.report(node.id, text('inLane'));
    },
  }),
  'user-task-form': ({ forms, text }) => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) return;
      const key = getProperty(node, 'formKey');
      if (!key) reporter.report(node.id, text('formMissing'));
      else if (!forms().includes(key)) reporter.report(node.id, text('formUnknown', { key }));
      const due = getProperty(node, 'dueIn');
      if (due && !ISO_DURATION.test(due)) reporter.report(node.id, text('dueIn', { due }));
    },
  }),
  supported: ({ text }) => ({
    check(node, reporter) {
      if (node.$type === 'bpmn:Task') reporter.report(node.id, text('plainTask'));
      if (UNSUPPORTED[node.$type]) reporter.report(node.id, text('unsupported', { kind: UNSUPPORTED[node.$type] }));
      if (is(node, 'bpmn:ServiceTask') && !findExtension(node, 'spiffworkflow:ServiceTaskOperator')) {
        reporter.report(node.id, text('operator'));
      }
    },
  }),
  'gateway-conditions': ({ text }) => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:ExclusiveGateway') && !is(node, 'bpmn:InclusiveGateway')) return;
      const outgoing = node.outgoing || [];
      if (outgoing.length < 2) return;
      for (const flow of outgoing) {
        const condition = flow.conditionExpression && (flow.conditionExpression.body || '').trim();
        if (!condition && node.default !== flow) reporter.report(flow.id, text('lintCondition'));
      }
    },
  }),
};

// The stock rules report in English: say it in the page's language instead.
function translated(name, factory, text) {
  return (config) => {
    const rule = factory(config);
    const wrap = (fn) => fn && ((node, reporter) => fn(node, {
      report: (id, message, path) => reporter.report(id, text(`rule:${name}`, {}, message), path),
    }));
    const check = typeof rule.check === 'function'
      ? wrap(rule.check)
      : { enter: wrap(rule.check.enter), leave: wrap(rule.check.leave) };
    return { ...rule, check };
  };
}

const STOCK = {
  'start-event-required': startEventRequired,
  'end-event-required': endEventRequired,
  'no-disconnected': noDisconnected,
  'no-implicit-split': noImplicitSplit,
  'no-duplicate-sequence-flows': noDuplicateFlows,
  'no-complex-gateway': noComplexGateway,
};

export function lintConfig({ roles, forms, text }) {
  const ours = { roles, forms, text };
  const rules = {};
  for (const name of Object.keys(STOCK)) rules[name] = 'error';
  for (const name of Object.keys(bpmnpubRules)) rules[`bpmnpub/${name}`] = ['error', ours];
  return {
    config: { rules },
    resolver: {
      resolveRule(pkg, ruleName) {
        if (pkg === 'bpmnlint') return STOCK[ruleName] && translated(ruleName, STOCK[ruleName], text);
        if (pkg === 'bpmnlint-plugin-bpmnpub') return bpmnpubRules[ruleName];
        return null;
      },
      resolveConfig() {
        return null;
      },
    },
  };
}
