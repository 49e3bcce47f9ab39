export const KIND_LABEL = {
  affiliate: 'Affiliate',
  ib: 'Introducing broker',
  employee: 'Employee',
} as const;
export const STATUS_COLOR = { active: 'teal', onboarding: 'yellow', suspended: 'red' } as const;
