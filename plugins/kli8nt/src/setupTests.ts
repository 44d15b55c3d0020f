import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Whole test apps render slowly on small shared CI machines.
configure({ asyncUtilTimeout: 5000 });
