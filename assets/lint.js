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

// Timer literals outside the window the server enforces (engine/timer_window.py): longer than zero,
// at most ten years, dates from 2000 to ten years ahead, cycles no faster than the worker's pass and
// with a count except on a start event. Months are counted as 30.44 days here: the server's check,
// on the calendar, decides at the edge. A value read from data is bounded when it runs, not here.
const ISO_PARTS = new RegExp(
  '^P(?!$)(?:(\\d+(?:[.,]\\d+)?)Y)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)W)?(?:(\\d+(?:[.,]\\d+)?)D)?'
  + '(?:T(?=\\d)(?:(\\d+(?:[.,]\\d+)?)H)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)S)?)?$', 'i');
const MAX_SECONDS = 3653 * 86400;
const MAX_REPEATS = 1000;
const EARLIEST = Date.UTC(2000, 0, 1);
const TEN_YEARS_MS = 3653 * 86400 * 1000;

function timerLiteral(expression) {
  const body = ((expression && expression.body) || '').trim();
  const quoted = /^(["'])([^"'\\]*)\1$/.exec(body);
  return quoted ? quoted[2].trim() : null;
}

// Seconds of an ISO duration, or the key of what is wrong with it.
function durationSeconds(value) {
  const m = ISO_PARTS.exec(value);
  if (!m) return { problem: 'timerInvalid' };
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v ? Number(v.replace(',', '.')) : 0));
  if (!Number.isInteger(y) || !Number.isInteger(mo)) return { problem: 'timerWhole' };
  if (y * 12 + mo > 120) return { problem: 'timerTooLong' };
  return { seconds: ((y * 12 + mo) * 30.436875 + w * 7 + d) * 86400 + h * 3600 + mi * 60 + s };
}

function spanProblem(value) {
  const { seconds, problem } = durationSeconds(value);
  if (problem) return problem;
  if (seconds <= 0) return 'timerZero';
  return seconds > MAX_SECONDS ? 'timerTooLong' : null;
}

function dateProblem(value) {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return 'timerInvalid';
  if (at < EARLIEST) return 'timerBefore2000';
  return at > Date.now() + TEN_YEARS_MS ? 'timerTooFar' : null;
}

function cycleProblem(value, minCycle, endless) {
  const m = /^R(\d*)\/(.+)$/i.exec(value);
  if (!m) return 'timerInvalid';
  const parts = m[2].split('/');
  const durations = parts.filter((p) => /^P/i.test(p));
  const dates = parts.filter((p) => !/^P/i.test(p));
  if (parts.length > 2 || durations.length !== 1) return 'timerInvalid';
  const { seconds, problem } = durationSeconds(durations[0]);
  if (problem) return problem;
  if (seconds <= 0) return 'timerZero';
  if (seconds < minCycle) return 'timerTooFast';
  if (seconds > MAX_SECONDS) return 'timerTooLong';
  const repeats = m[1] === '' ? -1 : Number(m[1]);
  if (repeats === 0 || repeats > MAX_REPEATS) return 'timerRepeats';
  if (repeats < 0 && !endless) return 'timerEndless';
  for (const date of dates) {
    const found = dateProblem(date);
    if (found) return found;
  }
  return null;
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
      const workdays = getProperty(node, 'dueInWorkingDays');
      if (workdays && !/^\d{1,4}(WD)?$/i.test(workdays.trim())) {
        reporter.report(node.id, text('dueInWorkingDays', { due: workdays }));
      }
      else if (due && spanProblem(due)) {
        reporter.report(node.id, text(spanProblem(due), { value: due, seconds: 0 }));
      }
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
  'timer-window': ({ text, minCycle }) => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:Event')) return;
      for (const definition of node.eventDefinitions || []) {
        if (!is(definition, 'bpmn:TimerEventDefinition')) continue;
        const checks = [
          ['timeDuration', spanProblem],
          ['timeDate', dateProblem],
          ['timeCycle', (v) => cycleProblem(v, minCycle, is(node, 'bpmn:StartEvent'))],
        ];
        for (const [kind, check] of checks) {
          const value = timerLiteral(definition[kind]);
          const problem = value === null ? null : check(value);
          if (problem) reporter.report(node.id, text(problem, { value, seconds: minCycle }));
        }
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

export function lintConfig({ roles, forms, text, minCycle = 30 }) {
  const ours = { roles, forms, text, minCycle };
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
