import { render, screen } from '@testing-library/react';
import i18n from 'i18next';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorNotice } from '../components/ErrorNotice';
import en from '../i18n/en.json';
import fr from '../i18n/fr.json';
import { ApiError, ERROR_CODES, errorMessage, fieldErrors, NetworkError, type ErrorBody } from './errors';

const t = i18n.t.bind(i18n);
const error = (status: number, body: Partial<ErrorBody> & { code: ErrorBody['code'] }) =>
  new ApiError(status, { detail: 'server sentence', ...body });

afterEach(() => void i18n.changeLanguage('fr'));

describe('error codes → translated sentences', () => {
  it('has a French and an English message for every code of the schema', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect((fr.errors as Record<string, string>)[code], code).toBeTruthy();
      expect((en.errors as Record<string, string>)[code], code).toBeTruthy();
      const message = errorMessage(error(400, { code: code as ErrorBody['code'] }), t);
      expect(message).not.toContain('errors.');
      expect(message).not.toBe('server sentence');
    }
  });

  it('says what the plan allows for a limit, in French by default and in English', () => {
    const limit = error(403, { code: 'LIMIT_MAX_PRODUCTS', limit: 100, used: 100 });
    expect(errorMessage(limit, t)).toBe('Votre offre permet 100 produits ; vous en avez 100.');
    void i18n.changeLanguage('en');
    expect(errorMessage(limit, t)).toBe('Your plan allows 100 products; you have 100.');
  });

  it('names the missing feature and the current plan', () => {
    const feature = error(403, {
      code: 'FEATURE_NOT_INCLUDED',
      feature: 'loss_management',
      plan: 'ESSENTIEL',
    });
    expect(errorMessage(feature, t)).toBe(
      '« Suivi des pertes » n’est pas inclus dans votre offre actuelle (ESSENTIEL).',
    );
  });

  it('turns a network failure and an unknown code into sentences', () => {
    expect(errorMessage(new NetworkError(), t)).toContain('Le serveur ne répond pas');
    expect(errorMessage(new TypeError('Failed to fetch'), t)).toContain('Le serveur ne répond pas');
    expect(errorMessage(error(418, { code: 'SOMETHING_NEW' as ErrorBody['code'] }), t)).toBe(
      'server sentence',
    );
  });

  it('flattens the fields of a validation error, nested objects and lists included', () => {
    const validation = error(400, {
      code: 'VALIDATION_ERROR',
      fields: {
        name: ['Required.'],
        extra_services: [{ name: ['Too long.'] }],
        non_field_errors: ['No.'],
      } as unknown as ErrorBody['fields'],
    });
    expect(fieldErrors(validation)).toEqual({
      name: 'Required.',
      'extra_services.0.name': 'Too long.',
      non_field_errors: 'No.',
    });
  });

  it('shows a limit with a link to the plans, and another error without one', () => {
    const { rerender } = render(
      <MemoryRouter>
        <ErrorNotice error={error(403, { code: 'LIMIT_MAX_PRODUCTS', limit: 100, used: 100 })} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('alert').textContent).toContain('Votre offre permet 100 produits');
    expect(screen.getByRole('link', { name: /passer à l’offre supérieure/ }).getAttribute('href')).toBe(
      '/billing',
    );
    rerender(
      <MemoryRouter>
        <ErrorNotice error={error(404, { code: 'NOT_FOUND' })} />
      </MemoryRouter>,
    );
    expect(screen.queryByRole('link')).toBeNull();
  });
});
