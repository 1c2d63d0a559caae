import { describe, expect, it } from 'vitest';
import { currencyDigits, formatDate, formatMoney, formatMonth, formatNumber } from './format';

// Intl writes narrow no-break spaces (U+202F) and no-break spaces (U+00A0) in French.
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

describe('numbers and money by locale', () => {
  it('formats numbers the French and the English way', () => {
    expect(plain(formatNumber('1234.5', 'fr'))).toBe('1 234,5');
    expect(formatNumber('1234.5', 'en')).toBe('1,234.5');
    expect(plain(formatNumber('0.125', 'fr'))).toBe('0,125');
    expect(formatNumber(3, 'en')).toBe('3');
  });

  it('knows the minor unit of each currency: EUR 2, XOF 0', () => {
    expect(currencyDigits('EUR')).toBe(2);
    expect(currencyDigits('XOF')).toBe(0);
  });

  it('formats EUR with two decimals and XOF with none, in fr and en', () => {
    expect(plain(formatMoney('1234.5', 'EUR', 'fr'))).toBe('1 234,50 €');
    expect(formatMoney('1234.5', 'EUR', 'en')).toBe('€1,234.50');
    expect(plain(formatMoney('1500', 'XOF', 'fr'))).toBe('1 500 F CFA');
    expect(plain(formatMoney('1500', 'XOF', 'en'))).toBe('F CFA 1,500');
  });

  it('rounds decimal strings half up without going through a float', () => {
    // 1.005 as a float is 1.00499999…: a float would round it down.
    expect(formatMoney('1.005', 'EUR', 'en')).toBe('€1.01');
    expect(plain(formatMoney('2.675', 'EUR', 'fr'))).toBe('2,68 €');
    expect(plain(formatMoney('1499.5', 'XOF', 'en'))).toBe('F CFA 1,500');
    expect(plain(formatMoney('-0.5', 'XOF', 'en'))).toBe('-F CFA 1');
  });

  it('formats dates and months by locale, a calendar day never shifted by the time zone', () => {
    expect(formatDate('2026-11-30', 'fr')).toBe('30 nov. 2026');
    expect(formatDate('2026-11-30', 'en')).toBe('Nov 30, 2026');
    expect(formatMonth('2026-11', 'fr')).toBe('novembre 2026');
    expect(formatMonth('2026-11', 'en')).toBe('November 2026');
  });
});
