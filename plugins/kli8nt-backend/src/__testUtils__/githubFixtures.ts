// Response bodies shaped like GitHub's REST API documentation examples,
// trimmed to the fields a client may plausibly read.

export const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
export const OTHER_SHA = 'c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc';

const owner = {
  login: 'acme',
  id: 1,
  node_id: 'MDQ6VXNlcjE=',
  avatar_url: 'https://github.com/images/error/acme_happy.gif',
  url: 'https://api.github.com/users/acme',
  html_url: 'https://github.com/acme',
  type: 'Organization',
  site_admin: false,
};

export function repository(name: string) {
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name,
    full_name: `acme/${name}`,
    owner,
    private: false,
    html_url: `https://github.com/acme/${name}`,
    description: 'A shop',
    fork: false,
    url: `https://api.github.com/repos/acme/${name}`,
    clone_url: `https://github.com/acme/${name}.git`,
    git_url: `git://github.com/acme/${name}.git`,
    ssh_url: `git@github.com:acme/${name}.git`,
    default_branch: 'main',
    visibility: 'public',
    pushed_at: '2011-01-26T19:06:43Z',
    created_at: '2011-01-26T19:01:12Z',
    updated_at: '2011-01-26T19:14:43Z',
    permissions: { admin: false, push: false, pull: true },
  };
}

export function branch(name: string, sha: string) {
  return {
    name,
    commit: {
      sha,
      url: `https://api.github.com/repos/acme/shop/commits/${sha}`,
    },
    protected: name === 'main',
  };
}

export function commit(sha: string) {
  return {
    url: `https://api.github.com/repos/acme/shop/commits/${sha}`,
    sha,
    node_id:
      'MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==',
    html_url: `https://github.com/acme/shop/commit/${sha}`,
    commit: {
      url: `https://api.github.com/repos/acme/shop/git/commits/${sha}`,
      author: {
        name: 'Monalisa Octocat',
        email: 'support@github.com',
        date: '2011-04-14T16:00:49Z',
      },
      committer: {
        name: 'Monalisa Octocat',
        email: 'support@github.com',
        date: '2011-04-14T16:00:49Z',
      },
      message: 'Fix all the bugs',
      tree: {
        url: `https://api.github.com/repos/acme/shop/tree/${sha}`,
        sha,
      },
      comment_count: 0,
    },
    author: owner,
    committer: owner,
    parents: [],
    stats: { additions: 104, deletions: 4, total: 108 },
    files: [],
  };
}

export function deployment(id: number, sha: string, environment: string) {
  return {
    url: `https://api.github.com/repos/acme/shop/deployments/${id}`,
    id,
    node_id: 'MDEwOkRlcGxveW1lbnQx',
    sha,
    ref: sha,
    task: 'deploy',
    payload: {},
    original_environment: environment,
    environment,
    description: 'Deploy request from kli8nt',
    creator: owner,
    created_at: '2012-07-20T01:19:13Z',
    updated_at: '2012-07-20T01:19:13Z',
    statuses_url: `https://api.github.com/repos/acme/shop/deployments/${id}/statuses`,
    repository_url: 'https://api.github.com/repos/acme/shop',
    transient_environment: false,
    production_environment: true,
  };
}

export function deploymentStatus(
  deploymentId: number,
  body: { state: string; description?: string; environment_url?: string },
) {
  return {
    url: `https://api.github.com/repos/acme/shop/deployments/${deploymentId}/statuses/1`,
    id: 1,
    node_id: 'MDE2OkRlcGxveW1lbnRTdGF0dXMx',
    state: body.state,
    creator: owner,
    description: body.description ?? '',
    environment: 'kli8nt-default',
    target_url: '',
    created_at: '2012-07-20T01:19:13Z',
    updated_at: '2012-07-20T01:19:13Z',
    deployment_url: `https://api.github.com/repos/acme/shop/deployments/${deploymentId}`,
    repository_url: 'https://api.github.com/repos/acme/shop',
    environment_url: body.environment_url ?? '',
    log_url: '',
  };
}

export const notFound = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest',
  status: '404',
};

export const noCommit = {
  message: 'No commit found for SHA: nope',
  documentation_url:
    'https://docs.github.com/rest/commits/commits#get-a-commit',
  status: '422',
};
