export const keyTarget = (key: { id: string; name: string }) => ({
  type: 'api_key',
  id: key.id,
  name: key.name,
});
