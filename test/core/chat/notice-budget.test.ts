import { describe, expect, it } from 'vitest';
import { NoticeBudget } from '../../../src/core/chat/notice-budget.ts';

describe('NoticeBudget', () => {
  it('lets per-second notices through in a second and holds the next one', () => {
    const budget = new NoticeBudget(3);
    expect(['join', 'leave', 'join'].map((kind) => budget.allow(kind as 'join' | 'leave', 0))).toEqual([true, true, true]);
    expect(budget.allow('leave', 999)).toBe(false);
    expect(budget.allow('join', 1000)).toBe(true);
  });

  it('sums up the held notices once their second is over, once', () => {
    const budget = new NoticeBudget(1);
    budget.allow('join', 0);
    budget.allow('join', 10);
    budget.allow('leave', 20);
    budget.allow('leave', 30);
    expect(budget.takeSummary(999)).toBeUndefined();
    expect(budget.takeSummary(1000)).toEqual({ joins: 1, leaves: 2 });
    expect(budget.takeSummary(1000)).toBeUndefined();
  });

  it('has nothing to sum up when nothing was held', () => {
    const budget = new NoticeBudget(2);
    budget.allow('join', 0);
    expect(budget.takeSummary(5000)).toBeUndefined();
  });

  it('lets everything through with 0', () => {
    const budget = new NoticeBudget(0);
    for (let i = 0; i < 1000; i++) expect(budget.allow('join', 0)).toBe(true);
    expect(budget.takeSummary(5000)).toBeUndefined();
  });
});
