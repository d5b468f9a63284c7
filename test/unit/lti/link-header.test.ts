import { expect } from 'chai';
import { nextPageUrl } from '../../../src/lti/link-header.js';

describe('nextPageUrl (Link header)', () => {
  it('finds rel="next" among other relations (Canvas)', () => {
    const header =
      '<https://canvas.test/api/lti/courses/1/names_and_roles?page=1&per_page=50>; rel="current",' +
      '<https://canvas.test/api/lti/courses/1/names_and_roles?page=2&per_page=50>; rel="next",' +
      '<https://canvas.test/api/lti/courses/1/names_and_roles?page=1&per_page=50>; rel="first"';
    expect(nextPageUrl(header)).to.equal(
      'https://canvas.test/api/lti/courses/1/names_and_roles?page=2&per_page=50',
    );
  });

  it('finds Moodle’s typographic-quoted rel=“next”', () => {
    const header =
      '<https://moodle.test/mod/lti/services.php/CourseSection/2/bindings/3/memberships?limit=10&from=10>; rel=“next”';
    expect(nextPageUrl(header)).to.equal(
      'https://moodle.test/mod/lti/services.php/CourseSection/2/bindings/3/memberships?limit=10&from=10',
    );
  });

  it('handles unquoted and multi-valued rel, and no next at all', () => {
    expect(nextPageUrl('<https://x.test/p2>; rel=next')).to.equal('https://x.test/p2');
    expect(nextPageUrl('<https://x.test/p2>; rel="last next"')).to.equal('https://x.test/p2');
    expect(nextPageUrl('<https://x.test/p1>; rel="prev"')).to.equal(undefined);
    expect(nextPageUrl(undefined)).to.equal(undefined);
    expect(nextPageUrl('')).to.equal(undefined);
  });
});
