/** TanStack Query wrappers over the public API: one cache key per API path. */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { api, ApiError } from './api';

export function useApi<T>(path: string | null, options: Omit<UseQueryOptions<T, ApiError>, 'queryKey' | 'queryFn'> = {}) {
  return useQuery<T, ApiError>({
    queryKey: ['api', path],
    queryFn: () => api<T>('GET', path!),
    enabled: path !== null,
    placeholderData: keepPreviousData,
    ...options,
  });
}

/** A write through the API; on success every cached read is refreshed (the server is the truth). */
export function useApiMutation<T, V = unknown>(method: 'POST' | 'PUT' | 'DELETE', path: string | ((vars: V) => string), body?: (vars: V) => unknown) {
  const client = useQueryClient();
  return useMutation<T, ApiError, V>({
    mutationFn: (vars: V) => api<T>(method, typeof path === 'function' ? path(vars) : path, body ? body(vars) : vars),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api'] }),
  });
}
