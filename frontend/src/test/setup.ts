import { cleanup } from '@testing-library/react';
import 'fake-indexeddb/auto';
import { afterEach } from 'vitest';
import '../i18n';

afterEach(() => cleanup());
